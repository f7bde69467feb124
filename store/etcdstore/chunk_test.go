package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
)

// TestWriteChunked: a bulk write beyond one Txn's limits is split into Txns of at most
// MaxTxnOps operations and MaxTxnBytes bytes, all of them written; one operation too large for
// any Txn is refused; under a fence that no longer holds nothing is written.
func TestWriteChunked(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	ctx := context.Background()
	s, err := Open(ctx, cli, Options{Prefix: "/chunks/"})
	if err != nil {
		t.Fatal(err)
	}
	revision := func() int64 {
		resp, err := cli.Get(ctx, "/none")
		if err != nil {
			t.Fatal(err)
		}
		return resp.Header.Revision
	}

	cases := []struct {
		name    string
		n, size int // operations and value size
		txns    int64
	}{
		{"within one txn", 100, 10, 1},
		{"many small", 1000, 10, 8},    // ceil(1000/128)
		{"few large", 6, 600 << 10, 3}, // two of 600 KiB fit in 1.5 MiB, three do not
		{"exactly the op limit", MaxTxnOps, 1, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ops := make([]clientv3.Op, tc.n)
			for i := range ops {
				ops[i] = clientv3.OpPut(fmt.Sprintf("/chunks/%s/%06d", tc.name, i), strings.Repeat("v", tc.size))
			}
			before := revision()
			done, err := s.writeChunked(ctx, ops)
			if err != nil || done != tc.n {
				t.Fatalf("writeChunked: %d written, %v", done, err)
			}
			if txns := revision() - before; txns != tc.txns {
				t.Errorf("%d transactions, want %d", txns, tc.txns)
			}
			resp, err := cli.Get(ctx, "/chunks/"+tc.name+"/", clientv3.WithPrefix(), clientv3.WithCountOnly())
			if err != nil || resp.Count != int64(tc.n) {
				t.Errorf("%d keys written, want %d (%v)", resp.Count, tc.n, err)
			}
		})
	}

	huge := []clientv3.Op{clientv3.OpPut("/chunks/huge", strings.Repeat("v", 2<<20))}
	if _, err := s.writeChunked(ctx, huge); !errors.Is(err, ErrTooLarge) {
		t.Errorf("one operation of 2 MiB: %v, want ErrTooLarge", err)
	}

	fenced := WithFence(ctx, clientv3.Compare(clientv3.CreateRevision("/no-leader"), ">", 0))
	ops := []clientv3.Op{clientv3.OpPut("/chunks/fenced/1", "v"), clientv3.OpPut("/chunks/fenced/2", "v")}
	if done, err := s.writeChunked(fenced, ops); !errors.Is(err, ErrFenced) || done != 0 {
		t.Errorf("a fenced bulk write: %d written, %v; want 0 and ErrFenced", done, err)
	}
}
