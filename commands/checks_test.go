package commands

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/lang"
)

// checkBSS is a BSS for the shared checks: the site has the ops listed, and the customers
// listed are found by id, name or account name. Any other call panics (the nil BSS).
type checkBSS struct {
	BSS
	ops       map[string]bool
	customers []bss.Customer
	asked     []bss.CustomerFilter
}

func (b *checkBSS) Supports(op string) bool { return b.ops[op] }

func (b *checkBSS) ListCustomers(_ context.Context, f bss.CustomerFilter, _, _ int) (*bss.CustomerPage, error) {
	b.asked = append(b.asked, f)
	p := &bss.CustomerPage{}
	for _, cu := range b.customers {
		if (f.CustomerID != "" && cu.ID == f.CustomerID) || (f.Name != "" && cu.Name == f.Name) || (f.AccountName != "" && cu.AccountName == f.AccountName) {
			p.Customers = append(p.Customers, cu)
		}
	}
	p.Count = len(p.Customers)
	return p, nil
}

// checkCall is a call in l by role, with flags, on a router with pages of 10 over b.
func checkCall(l lang.Lang, role chat.Role, flags map[string]string, b *checkBSS) *Call {
	if b == nil {
		b = &checkBSS{}
	}
	return &Call{Lang: l, Role: role, Inv: cmdline.Invocation{Flags: flags}, cmd: &Command{},
		r: &Router{bss: b, opts: Options{PageSize: 10}}}
}

// errText is the refusal's text, "" for none.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestPageNumber(t *testing.T) {
	tests := []struct {
		name  string
		flags map[string]string
		lang  lang.Lang
		want  int
		err   string
	}{
		{"absent", nil, lang.Zh, 1, ""},
		{"given", map[string]string{"page": "3"}, lang.Zh, 3, ""},
		{"full-width digits", map[string]string{"page": "２"}, lang.Zh, 2, ""},
		{"the last allowed", map[string]string{"page": "10000"}, lang.Zh, 10000, ""},
		{"zero", map[string]string{"page": "0"}, lang.Zh, 0, "选项 --page 应为 1 到 10000 之间的整数，收到的是 “0”。"},
		{"too large", map[string]string{"page": "10001"}, lang.En, 0, `Option --page must be a whole number from 1 to 10000; got "10001".`},
		{"not a number", map[string]string{"page": "next"}, lang.En, 0, `Option --page must be a whole number from 1 to 10000; got "next".`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := checkCall(tt.lang, chat.RoleViewer, tt.flags, nil).pageNumber()
			if got != tt.want || errText(err) != tt.err {
				t.Errorf("pageNumber() = %d, %q; want %d, %q", got, errText(err), tt.want, tt.err)
			}
		})
	}
}

func TestPageRange(t *testing.T) {
	tests := []struct {
		name          string
		n, page       int
		lang          lang.Lang
		lo, hi, pages int
		err           string
	}{
		{"nothing to list", 0, 1, lang.Zh, 0, 0, 1, ""},
		{"the first page", 25, 1, lang.Zh, 0, 10, 3, ""},
		{"the last page, short", 25, 3, lang.Zh, 20, 25, 3, ""},
		{"one full page", 10, 1, lang.Zh, 0, 10, 1, ""},
		{"past the last", 25, 4, lang.Zh, 0, 0, 3, "没有第 4 页（共 3 页）。"},
		{"past a full last page", 10, 2, lang.En, 0, 0, 1, "There is no page 2 (there are 1)."},
		{"past an empty listing", 0, 2, lang.En, 0, 0, 1, "There is no page 2 (there are 1)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi, pages, err := checkCall(tt.lang, chat.RoleViewer, nil, nil).pageRange(tt.n, tt.page)
			if lo != tt.lo || hi != tt.hi || pages != tt.pages || errText(err) != tt.err {
				t.Errorf("pageRange(%d, %d) = %d, %d, %d, %q; want %d, %d, %d, %q", tt.n, tt.page,
					lo, hi, pages, errText(err), tt.lo, tt.hi, tt.pages, tt.err)
			}
		})
	}
}

func TestRequireSite(t *testing.T) {
	china := map[string]bool{bss.OpListPartnerBalances: true, bss.OpUpdateCustomerAccountAmount: true}
	tests := []struct {
		name    string
		ops     []string
		missing string // the op the refusal names; "" for none
	}{
		{"nothing asked", nil, ""},
		{"all there", []string{bss.OpUpdateCustomerAccountAmount, bss.OpListPartnerBalances}, ""},
		{"one missing", []string{bss.OpListPartnerBalances, bss.OpListSubcustomerMonthlyBills}, bss.OpListSubcustomerMonthlyBills},
		{"the first missing is named", []string{bss.OpCreatePartnerCoupons, bss.OpListSubcustomerMonthlyBills}, bss.OpCreatePartnerCoupons},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &checkBSS{ops: china}
			err := checkCall(lang.Zh, chat.RoleViewer, nil, b).requireSite(tt.ops...)
			var be *bss.Error
			switch {
			case tt.missing == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.missing != "" && (!errors.Is(err, bss.ErrUnavailable) || !errors.As(err, &be) || be.Op != tt.missing):
				t.Errorf("got %v, want %s unavailable", err, tt.missing)
			}
			if len(b.asked) != 0 {
				t.Errorf("BSS was asked %v", b.asked)
			}
		})
	}
}

func TestMayRequest(t *testing.T) {
	tests := []struct {
		role chat.Role
		has  bool
		want bool
	}{
		{chat.RoleOperator, true, true},
		{chat.RoleAdmin, true, true},
		{chat.RoleOperator, false, false}, // the international site: no button
		{chat.RoleAdmin, false, false},
		{chat.RoleViewer, true, false},
		{chat.RoleApprover, true, false}, // approvers decide requests; they do not file them
		{chat.RoleNone, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.role.String(), func(t *testing.T) {
			b := &checkBSS{ops: map[string]bool{bss.OpReclaimPartnerCoupons: tt.has}}
			if got := checkCall(lang.Zh, tt.role, nil, b).mayRequest(bss.OpReclaimPartnerCoupons); got != tt.want {
				t.Errorf("%s, site has the op %v: mayRequest = %v, want %v", tt.role, tt.has, got, tt.want)
			}
		})
	}
}

func TestResaleTarget(t *testing.T) {
	resale := bss.Customer{ID: "0123456789abcdef0123456789abcdef", Name: "张三", AccountName: "zhangsan", AssociationType: bss.AssociationResale}
	referral := bss.Customer{ID: "fedcba9876543210fedcba9876543210", Name: "李四", AccountName: "lisi", AssociationType: bss.AssociationReferral}
	tests := []struct {
		name     string
		q        string
		flags    map[string]string
		lang     lang.Lang
		want     string // the customer's id
		reseller string
		err      string
		asked    bool // BSS was asked
	}{
		{"the partner's own", "张三", nil, lang.Zh, resale.ID, "", "", true},
		{"by account name, a reseller's", "zhangsan", map[string]string{"reseller": "R1"}, lang.Zh, resale.ID, "R1", "", true},
		{"a bad reseller id, before BSS", "张三", map[string]string{"reseller": "a/b"}, lang.En, "", "",
			`The reseller id must be an id of at most 64 characters; got "a/b".`, false},
		{"not a resale customer", "lisi", nil, lang.Zh, "", "",
			"李四 (lisi) 不是代售客户：只有代售客户能拨款、回收、发券或查看这些账目。", true},
		{"nobody", "王五", nil, lang.Zh, "", "", "没有找到与 “王五” 匹配的客户（按客户名称、账号名和客户 ID 查找）。", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &checkBSS{customers: []bss.Customer{resale, referral}}
			cu, reseller, err := checkCall(tt.lang, chat.RoleOperator, tt.flags, b).resaleTarget(context.Background(), tt.q)
			if cu.ID != tt.want || reseller != tt.reseller || errText(err) != tt.err {
				t.Errorf("resaleTarget(%q) = %s, %q, %q; want %s, %q, %q", tt.q, cu.ID, reseller, errText(err), tt.want, tt.reseller, tt.err)
			}
			if asked := len(b.asked) > 0; asked != tt.asked {
				t.Errorf("BSS asked: %v, want %v", b.asked, tt.asked)
			}
			if !slices.ContainsFunc(b.asked, func(f bss.CustomerFilter) bool { return f.IndirectPartnerID != tt.reseller }) {
				return
			}
			t.Errorf("looked up outside reseller %q: %+v", tt.reseller, b.asked)
		})
	}
}

func TestResaleTargets(t *testing.T) {
	resale := bss.Customer{ID: "0123456789abcdef0123456789abcdef", Name: "张三", AccountName: "zhangsan", AssociationType: bss.AssociationResale}
	other := bss.Customer{ID: "00112233445566778899aabbccddeeff", Name: "王芳", AccountName: "wangfang", AssociationType: bss.AssociationResale}
	referral := bss.Customer{ID: "fedcba9876543210fedcba9876543210", Name: "李四", AccountName: "lisi", AssociationType: bss.AssociationReferral}
	tests := []struct {
		name     string
		qs       []string
		flags    map[string]string
		lang     lang.Lang
		want     []string // the customers' ids
		reseller string
		err      string
		asked    bool // BSS was asked
	}{
		{"two, in the order given", []string{"wangfang", "张三"}, map[string]string{"reseller": "R1"}, lang.Zh, []string{other.ID, resale.ID}, "R1", "", true},
		{"a bad reseller id before the count, before BSS", []string{"a", "b", "c"}, map[string]string{"reseller": "a/b"}, lang.En, nil, "",
			`The reseller id must be an id of at most 64 characters; got "a/b".`, false},
		{"none", nil, nil, lang.Zh, nil, "", "/coupon 缺少参数。", false},
		{"too many, before BSS", []string{"a", "b", "c"}, nil, lang.En, nil, "", "A coupon request takes at most 2 customers (got 3).", false},
		{"the same customer twice", []string{"张三", "zhangsan"}, nil, lang.Zh, nil, "", "ID 0123456789abcdef0123456789abcdef 重复了。", true},
		{"one not a resale customer", []string{"张三", "lisi"}, nil, lang.Zh, nil, "",
			"李四 (lisi) 不是代售客户：只有代售客户能拨款、回收、发券或查看这些账目。", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &checkBSS{customers: []bss.Customer{resale, other, referral}}
			c := checkCall(tt.lang, chat.RoleOperator, tt.flags, b)
			c.cmd = &Command{Name: "coupon"}
			custs, reseller, err := c.resaleTargets(context.Background(), tt.qs, 2)
			var ids []string
			for _, cu := range custs {
				ids = append(ids, cu.ID)
			}
			if !slices.Equal(ids, tt.want) || reseller != tt.reseller || errText(err) != tt.err {
				t.Errorf("resaleTargets(%q) = %v, %q, %q; want %v, %q, %q", tt.qs, ids, reseller, errText(err), tt.want, tt.reseller, tt.err)
			}
			if asked := len(b.asked) > 0; asked != tt.asked {
				t.Errorf("BSS asked: %v, want %v", b.asked, tt.asked)
			}
			if slices.ContainsFunc(b.asked, func(f bss.CustomerFilter) bool { return f.IndirectPartnerID != tt.reseller }) {
				t.Errorf("looked up outside reseller %q: %+v", tt.reseller, b.asked)
			}
		})
	}
}
