package bss

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"
)

// CustomerRef identifies the customer whose resources an action touches. Renew, unsubscribe,
// auto-renew and price inquiries refuse the partner's own AK/SK: the client first obtains
// temporary credentials inside the customer's account through the agency (委托) the customer
// granted the partner (bss-api.md §14), and signs the call with those.
type CustomerRef struct {
	ID           string // the customer's account id (domain id)
	AccountName  string // the customer's account name (domain name); preferred when set
	XAccountType string // the partner platform identifier; the default agency name
}

func (r CustomerRef) key() string {
	if r.ID != "" {
		return "id:" + r.ID
	}
	return "name:" + r.AccountName
}

// agencyDuration is how long temporary credentials are asked for; they are renewed
// agencyMargin before they expire.
const (
	agencyDuration = 3600
	agencyMargin   = 5 * time.Minute
)

type agencyCache struct {
	mu      sync.Mutex
	entries map[string]*agencyEntry
}

// forget drops the cached credentials of a customer.
func (a *agencyCache) forget(key string) {
	e := a.entry(key)
	e.mu.Lock()
	e.cred, e.expires = Credentials{}, time.Time{}
	e.mu.Unlock()
}

type agencyEntry struct {
	mu       sync.Mutex // held while fetching, so concurrent callers wait for one IAM call
	cred     Credentials
	expires  time.Time
	domainID string // the customer's account id, once known; it outlives the credentials
}

func (a *agencyCache) entry(key string) *agencyEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.entries == nil {
		a.entries = make(map[string]*agencyEntry)
	}
	e, ok := a.entries[key]
	if !ok {
		e = &agencyEntry{}
		a.entries[key] = e
	}
	return e
}

type assumeRoleBody struct {
	Auth struct {
		Identity struct {
			Methods    []string `json:"methods"`
			AssumeRole struct {
				DomainName      string `json:"domain_name,omitempty"`
				DomainID        string `json:"domain_id,omitempty"`
				AgencyName      string `json:"agency_name"`
				DurationSeconds int    `json:"duration_seconds"`
			} `json:"assume_role"`
		} `json:"identity"`
	} `json:"auth"`
}

type securityTokenAnswer struct {
	Credential struct {
		Access        string `json:"access"`
		Secret        string `json:"secret"`
		SecurityToken string `json:"securitytoken"`
		ExpiresAt     string `json:"expires_at"`
	} `json:"credential"`
}

// customerCredentials returns cached or fresh temporary credentials for the customer, and the
// customer's account id that calls signed with them carry as X-Domain-Id: ref.ID, or when the
// customer is known by account name only, what IAM says the credentials belong to.
func (c *Client) customerCredentials(ctx context.Context, ref CustomerRef, fresh bool) (Credentials, string, error) {
	ck := checker{op: "CreateTemporaryAccessKeyByAgency"}
	if ref.ID == "" && ref.AccountName == "" {
		ck.fail("customer", "the customer's account id or account name is required", "需要客户的账号 ID 或账号名")
	}
	ck.optID("customer_id", ref.ID)
	ck.optID("account_name", ref.AccountName)
	agency := c.cfg.AgencyName
	if agency == "" {
		agency = ref.XAccountType
	}
	if agency == "" {
		ck.fail("agency_name", "no agency name is configured (bss.agency_name) and the customer has no xaccount_type", "未配置委托名称（bss.agency_name），且客户没有 xaccount_type")
	}
	if err := ck.result(); err != nil {
		return Credentials{}, "", err
	}
	e := c.agencies.entry(ref.key())
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.domainID == "" {
		e.domainID = ref.ID
	}
	now := c.cfg.Now()
	if !fresh && e.cred.Valid() && now.Add(agencyMargin).Before(e.expires) {
		return e.cred, e.domainID, nil
	}
	var body assumeRoleBody
	body.Auth.Identity.Methods = []string{"assume_role"}
	ar := &body.Auth.Identity.AssumeRole
	if ref.AccountName != "" {
		ar.DomainName = ref.AccountName
	} else {
		ar.DomainID = ref.ID
	}
	ar.AgencyName = agency
	ar.DurationSeconds = agencyDuration
	var ans securityTokenAnswer
	err := c.do(ctx, request{
		op: "CreateTemporaryAccessKeyByAgency", method: http.MethodPost, base: c.iam,
		path: "/v3.0/OS-CREDENTIAL/securitytokens", body: body, out: &ans,
		ctype: "application/json;charset=UTF-8",
	})
	if err != nil {
		var be *Error
		if errors.As(err, &be) && be.Op != opListAuthDomains && (be.HTTPStatus == http.StatusForbidden || be.HTTPStatus == http.StatusNotFound) {
			be.Kind = KindNoAgency
		}
		return Credentials{}, "", err
	}
	cred := Credentials{AccessKey: ans.Credential.Access, SecretKey: ans.Credential.Secret, SecurityToken: ans.Credential.SecurityToken}
	if !cred.Valid() {
		return Credentials{}, "", &Error{Op: "CreateTemporaryAccessKeyByAgency", Method: http.MethodPost,
			Path: "/v3.0/OS-CREDENTIAL/securitytokens", Kind: KindBadResponse, Err: errors.New("no temporary credentials in the answer")}
	}
	expires := now.Add(agencyDuration * time.Second)
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000000Z"} {
		if t, err := time.Parse(l, ans.Credential.ExpiresAt); err == nil {
			expires = t
			break
		}
	}
	if e.domainID == "" {
		id, err := c.lookupDomainID(ctx, &cred)
		if err != nil {
			return Credentials{}, "", err
		}
		e.domainID = id
	}
	e.cred, e.expires = cred, expires
	return cred, e.domainID, nil
}

// CheckAgency obtains fresh temporary credentials inside the customer's account through the
// agency the customer granted the partner (IAM, as an action would), without calling BSS with
// them: whether the agency works for this customer.
func (c *Client) CheckAgency(ctx context.Context, ref CustomerRef) error {
	_, _, err := c.customerCredentials(ctx, ref, true)
	return err
}

// asCustomer runs r signed with the customer's temporary credentials. A 401 means the call was
// refused before it ran (e.g. the credentials were revoked early), so it is safe to fetch fresh
// credentials and try once more, even for a mutation.
func (c *Client) asCustomer(ctx context.Context, ref CustomerRef, r request) error {
	for try := 0; ; try++ {
		cred, domainID, err := c.customerCredentials(ctx, ref, try > 0)
		if err != nil {
			return err
		}
		r.cred, r.domainID = &cred, domainID
		err = c.do(ctx, r)
		var be *Error
		if errors.As(err, &be) && (be.HTTPStatus == http.StatusUnauthorized || be.HTTPStatus == http.StatusForbidden) {
			c.agencies.forget(ref.key()) // revoked or expired early: do not keep using them
			if try == 0 && be.HTTPStatus == http.StatusUnauthorized {
				continue
			}
		}
		return err
	}
}
