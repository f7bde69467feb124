package bss

import (
	"context"
	"iter"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Association types of a sub-customer (bss-api.md §1).
const (
	AssociationReferral = "1" // 顾问销售: the customer pays Huawei; no balance visible to the partner
	AssociationResale   = "2" // 代售: the partner resells; balances and arrears visible
)

// CustomerFilter narrows ListSubCustomers. Empty fields are not filters.
type CustomerFilter struct {
	AccountName       string // fuzzy, no spaces
	Name              string // real-name (实名) name, fuzzy, no spaces (see NameSearchTerm)
	CustomerID        string // exact
	Label             string // fuzzy, case-sensitive, no spaces
	AssociationType   string // AssociationReferral or AssociationResale
	AssociatedOnBegin time.Time
	AssociatedOnEnd   time.Time
	IndirectPartnerID string // a second-level reseller's customers
}

// Customer is one sub-customer as ListSubCustomers returns it.
type Customer struct {
	ID              string    `json:"customer_id"`
	AccountName     string    `json:"account_name"`
	Name            string    `json:"customer"`
	AssociatedOn    Time      `json:"associated_on"`
	AssociationType string    `json:"association_type"`
	Label           string    `json:"label"`
	Telephone       string    `json:"telephone"`
	CountryCode     string    `json:"country_code"`
	Email           string    `json:"email"`
	VerifiedStatus  string    `json:"verified_status"`
	CustomerType    int       `json:"customer_type"`
	IsFrozen        int       `json:"is_frozen"`
	AccountManagers []Manager `json:"account_managers"`
	Level           string    `json:"customer_level"`
	XAccountID      string    `json:"xaccount_id"`
	XAccountType    string    `json:"xaccount_type"`
}

// Manager is an account manager assigned to a customer.
type Manager struct {
	AccountName string `json:"account_name"`
}

// VerifiedStatusVerified is the verified_status of a real-name verified (已实名认证) customer;
// the others are "-1" none, "0" in review, "1" rejected (SDK model_customer_information.go).
const VerifiedStatusVerified = "2"

// IsVerified reports whether the customer is real-name verified: Huawei renews only for them.
func (c Customer) IsVerified() bool { return c.VerifiedStatus == VerifiedStatusVerified }

// Unverified reports whether BSS says the customer is not real-name verified (none, in review,
// rejected, failed). An empty verified_status (real-name checks switched off, per an older SDK
// comment) says nothing either way: not unverified.
func (c Customer) Unverified() bool {
	return c.VerifiedStatus != "" && c.VerifiedStatus != VerifiedStatusVerified
}

// Ref is how actions on this customer's resources identify it (for agency credentials).
func (c Customer) Ref() CustomerRef {
	return CustomerRef{ID: c.ID, AccountName: c.AccountName, XAccountType: c.XAccountType}
}

// CustomerPage is one page of ListSubCustomers.
type CustomerPage struct {
	Count     int        `json:"count"`
	Customers []Customer `json:"customer_infos"`
}

type listCustomersBody struct {
	AccountName       string `json:"account_name,omitempty"`
	Customer          string `json:"customer,omitempty"`
	CustomerID        string `json:"customer_id,omitempty"`
	Label             string `json:"label,omitempty"`
	AssociationType   string `json:"association_type,omitempty"`
	AssociatedOnBegin string `json:"associated_on_begin,omitempty"`
	AssociatedOnEnd   string `json:"associated_on_end,omitempty"`
	IndirectPartnerID string `json:"indirect_partner_id,omitempty"`
	Offset            int    `json:"offset"`
	Limit             int    `json:"limit"`
}

// BSS's fuzzy filters account_name, customer and label take no spaces (SDK
// model_query_sub_customer_list_req.go: 不支持携带空格查询; bss-api.md Corrections, "ListSubCustomers
// customer").
func (c *checker) noSpaces(arg, v string) {
	if strings.ContainsFunc(v, unicode.IsSpace) {
		c.fail(arg, "no spaces (BSS cannot search with them)", "不能包含空格（BSS 不支持带空格查询）")
	}
}

func (f CustomerFilter) check(c *checker) {
	c.maxLen("account_name", f.AccountName, 64)
	c.noSpaces("account_name", f.AccountName)
	c.maxLen("customer", f.Name, 64)
	c.noSpaces("customer", f.Name)
	c.optID("customer_id", f.CustomerID)
	c.maxLen("label", f.Label, 64)
	c.noSpaces("label", f.Label)
	if f.AssociationType != "" {
		c.oneOf("association_type", f.AssociationType, AssociationReferral, AssociationResale)
	}
	c.optID("indirect_partner_id", f.IndirectPartnerID)
}

// ListCustomers returns one page of sub-customers (POST /v2/partners/sub-customers/query).
func (c *Client) ListCustomers(ctx context.Context, f CustomerFilter, offset, limit int) (*CustomerPage, error) {
	ck := checker{op: "ListSubCustomers"}
	f.check(&ck)
	ck.page(offset, limit)
	if err := ck.result(); err != nil {
		return nil, err
	}
	var page CustomerPage
	err := c.do(ctx, request{
		op: "ListSubCustomers", method: http.MethodPost, path: "/v2/partners/sub-customers/query",
		body: listCustomersBody{
			AccountName: f.AccountName, Customer: f.Name, CustomerID: f.CustomerID, Label: f.Label,
			AssociationType: f.AssociationType, AssociatedOnBegin: formatTime(f.AssociatedOnBegin),
			AssociatedOnEnd: formatTime(f.AssociatedOnEnd), IndirectPartnerID: f.IndirectPartnerID,
			Offset: offset, Limit: limit,
		},
		out: &page,
	})
	if err != nil {
		return nil, err
	}
	return &page, nil
}

// Customers iterates over every matching sub-customer, page by page.
func (c *Client) Customers(ctx context.Context, f CustomerFilter) iter.Seq2[Customer, error] {
	return paginate(ctx, c.cfg.PageSize, func(ctx context.Context, offset, limit int) ([]Customer, int, error) {
		p, err := c.ListCustomers(ctx, f, offset, limit)
		if err != nil {
			return nil, 0, err
		}
		return p.Customers, p.Count, nil
	})
}

// AllCustomers collects Customers into a slice.
func (c *Client) AllCustomers(ctx context.Context, f CustomerFilter) ([]Customer, error) {
	return collect(c.Customers(ctx, f))
}

// NameSearchTerm is what to send as ListSubCustomers' customer filter to find the customers
// whose real-name name contains name. The filter takes no spaces (bss-api.md Corrections), so a
// name with spaces is searched by its longest part without any (the first of equally long
// ones), and the answers must then be matched with NameContains; a name without spaces is its
// own term. "Lumen Data GmbH" → "Lumen".
func NameSearchTerm(name string) string {
	term := ""
	for _, part := range strings.FieldsFunc(name, unicode.IsSpace) {
		if utf8.RuneCountInString(part) > utf8.RuneCountInString(term) {
			term = part
		}
	}
	return term
}

// NameContains reports whether a customer's name contains query the way BSS's fuzzy filter
// matches (anywhere in the name, letters in any case), with any run of spaces in either counted
// as one space: "Lumen  Data GmbH" contains "lumen data".
func NameContains(name, query string) bool {
	fold := func(s string) string {
		return strings.ToLower(strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "))
	}
	q := fold(query)
	return q != "" && strings.Contains(fold(name), q)
}
