package bsstest

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"
)

// ---- IAM CreateTemporaryAccessKeyByAgency: POST /v3.0/OS-CREDENTIAL/securitytokens (§14)

type securityTokenReq struct {
	Auth *struct {
		Identity *struct {
			Methods    []string `json:"methods"`
			AssumeRole *struct {
				DomainName      *string         `json:"domain_name"`
				DomainID        *string         `json:"domain_id"`
				AgencyName      *string         `json:"agency_name"`
				DurationSeconds *int            `json:"duration_seconds"`
				SessionUser     json.RawMessage `json:"session_user"`
				Policy          json.RawMessage `json:"policy"`
				PolicyIDs       json.RawMessage `json:"policy_ids"`
			} `json:"assume_role"`
			Policy    json.RawMessage `json:"policy"`
			PolicyIDs json.RawMessage `json:"policy_ids"`
		} `json:"identity"`
	} `json:"auth"`
}

type securityTokenResp struct {
	Credential struct {
		Access        string `json:"access"`
		Secret        string `json:"secret"`
		SecurityToken string `json:"securitytoken"`
		ExpiresAt     string `json:"expires_at"`
	} `json:"credential"`
}

func iamErr(status int, code, msg string) *apiError {
	return &apiError{status: status, code: code, msg: msg, iam: true}
}

func handleSecurityToken(c *reqCtx) {
	var req securityTokenReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(iamErr(http.StatusBadRequest, "IAM.0006", e.msg))
		return
	}
	if req.Auth == nil || req.Auth.Identity == nil {
		c.fail(iamErr(http.StatusBadRequest, "IAM.0006", "auth.identity is required"))
		return
	}
	id := req.Auth.Identity
	if !slices.Contains(id.Methods, "assume_role") || id.AssumeRole == nil {
		c.fail(iamErr(http.StatusBadRequest, "IAM.0006", "auth.identity.methods must be [\"assume_role\"] with auth.identity.assume_role"))
		return
	}
	ar := id.AssumeRole
	if str(ar.AgencyName) == "" {
		c.fail(iamErr(http.StatusBadRequest, "IAM.0006", "auth.identity.assume_role.agency_name is required"))
		return
	}
	if str(ar.DomainName) == "" && str(ar.DomainID) == "" {
		c.fail(iamErr(http.StatusBadRequest, "IAM.0006", "auth.identity.assume_role needs domain_name or domain_id"))
		return
	}
	life := c.s.ttl
	if ar.DurationSeconds != nil {
		d := *ar.DurationSeconds
		if d < 900 || d > 86400 {
			c.fail(iamErr(http.StatusBadRequest, "IAM.0006", "auth.identity.assume_role.duration_seconds must be between 900 and 86400"))
			return
		}
		life = min(life, time.Duration(d)*time.Second)
	}
	c.s.mu.RLock()
	var cu *Customer
	if v := str(ar.DomainID); v != "" {
		cu = c.s.st.custByID[v]
	} else {
		cu = c.s.st.custByName[*ar.DomainName]
	}
	var customerID, xType string
	if cu != nil {
		customerID, xType = cu.ID, cu.XAccountType
	}
	c.s.mu.RUnlock()
	if cu == nil {
		c.fail(iamErr(http.StatusForbidden, "IAM.0001", "the account is not a customer of this partner, or it has not created the agency"))
		return
	}
	if *ar.AgencyName != SandboxAgency && (xType == "" || *ar.AgencyName != xType) {
		c.fail(iamErr(http.StatusForbidden, "IAM.0001", "agency "+*ar.AgencyName+" does not exist in the customer's account: the customer has not authorised the partner to act on its resources"))
		return
	}
	ak, tc := c.s.issueTemp(customerID, c.authNow, life)
	var resp securityTokenResp
	resp.Credential.Access = ak
	resp.Credential.Secret = tc.secret
	resp.Credential.SecurityToken = tc.token
	resp.Credential.ExpiresAt = tc.expires.UTC().Format("2006-01-02T15:04:05.000000Z")
	c.json(http.StatusCreated, resp)
}

// randUpper returns n random upper-case letters and digits.
func randUpper(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

// ---- IAM KeystoneListAuthDomains: GET /v3/auth/domains
// The account (domain) of the signing key: the partner's, or the customer's for temporary
// credentials. The SDK's global credentials take domains[0].id as X-Domain-Id.

type authDomainsResp struct {
	Domains []domainJSON `json:"domains"`
	Links   linksJSON    `json:"links"`
}

type domainJSON struct {
	Enabled     bool      `json:"enabled"`
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Links       linksJSON `json:"links"`
	Description string    `json:"description"`
}

type linksJSON struct {
	Self string `json:"self"`
}

func handleAuthDomains(c *reqCtx) {
	id, name := c.s.domainID, c.s.domainName
	if c.kind == customerCaller {
		c.s.mu.RLock()
		cu := c.s.st.custByID[c.customerID]
		if cu != nil {
			id, name = cu.ID, cu.AccountName
		}
		c.s.mu.RUnlock()
		if cu == nil {
			c.fail(iamErr(http.StatusNotFound, "", "the account of these credentials no longer exists"))
			return
		}
	}
	base := "https://" + c.r.Host
	if c.r.TLS == nil {
		base = "http://" + c.r.Host
	}
	c.json(http.StatusOK, authDomainsResp{
		Domains: []domainJSON{{Enabled: true, ID: id, Name: name, Links: linksJSON{Self: base + "/v3/domains/" + id}}},
		Links:   linksJSON{Self: base + "/v3/auth/domains"},
	})
}
