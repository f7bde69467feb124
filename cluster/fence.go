package cluster

import (
	"context"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// ErrDeposed is the error of a fenced write whose term is over: the election key is gone or
// belongs to a later term. Nothing of the write was applied.
var ErrDeposed = errors.New("cluster: deposed: the leadership term of this write is over")

// Fence is a term's fencing token: the leader's election key and the revision that created
// it. A later term of the same replica has the same key and a higher revision, so a token
// identifies one term, not one replica.
type Fence struct {
	Key   string
	Token int64
}

// Cmp holds while the term lasts: the election key exists with the token as its create
// revision.
func (f Fence) Cmp() clientv3.Cmp {
	return clientv3.Compare(clientv3.CreateRevision(f.Key), "=", f.Token)
}

// Txn commits one transaction if the term lasts, and fails with ErrDeposed (applying nothing)
// if it is over. Within the term it is the transaction If(cmps...).Then(then...).Else(els...),
// and its response is that transaction's: Succeeded says whether cmps held. It runs with
// clientv3.WithRequireLeader, so a member cut off from its cluster refuses it at once.
//
// Mind etcd's limit of 128 operations per transaction: the term's guard adds one nesting
// level, which counts as an operation.
func (f Fence) Txn(ctx context.Context, cli *clientv3.Client, cmps []clientv3.Cmp, then, els []clientv3.Op) (*clientv3.TxnResponse, error) {
	outer, err := cli.Txn(clientv3.WithRequireLeader(ctx)).
		If(f.Cmp()).
		Then(clientv3.OpTxn(cmps, then, els)).
		Commit()
	if err != nil {
		return nil, fmt.Errorf("cluster: fenced write of term %d: %w", f.Token, err)
	}
	if !outer.Succeeded {
		return nil, fmt.Errorf("%w (term %d, key %s)", ErrDeposed, f.Token, f.Key)
	}
	inner := outer.Responses[0].GetResponseTxn()
	if inner == nil {
		return nil, fmt.Errorf("cluster: fenced write of term %d: etcd answered without the nested transaction's response", f.Token)
	}
	inner.Header = outer.Header // a nested transaction's own header is empty
	return (*clientv3.TxnResponse)(inner), nil
}
