package etcdstore

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Revision is etcd's current revision as a linearizable read sees it: every write to the
// cluster (the store's, the election's) advances it. The admin page shows it; it writes nothing.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	resp, err := s.cli.Get(ctx, s.prefix+"seq/", clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("etcdstore: read the revision: %w", err)
	}
	return resp.Header.Revision, nil
}
