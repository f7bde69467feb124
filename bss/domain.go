package bss

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// opListAuthDomains is IAM KeystoneListAuthDomains, which tells the account (domain) of the
// signing key.
const opListAuthDomains = "KeystoneListAuthDomains"

const pathAuthDomains = "/v3/auth/domains"

// ResolveDomainID returns the partner's account (domain) id sent as X-Domain-Id: Config.DomainID
// when set, else the id IAM gives for the partner's key (GET /v3/auth/domains, signed with the
// same AK/SK, domains[0].id), looked up once and cached. Call it at start-up to learn early that
// IAM refuses the key; otherwise the first call to BSS does it. A failed look-up is not cached.
func (c *Client) ResolveDomainID(ctx context.Context) (string, error) {
	if c.cfg.DomainID != "" {
		return c.cfg.DomainID, nil
	}
	c.domainMu.Lock()
	defer c.domainMu.Unlock()
	if c.domainID != "" {
		return c.domainID, nil
	}
	id, err := c.lookupDomainID(ctx, nil)
	if err != nil {
		return "", err
	}
	c.domainID = id
	return id, nil
}

type authDomainsAnswer struct {
	Domains []struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Enabled *bool  `json:"enabled"`
	} `json:"domains"`
}

// lookupDomainID asks IAM which account the key belongs to: the partner's key (cred nil) or a
// customer's temporary credentials.
func (c *Client) lookupDomainID(ctx context.Context, cred *Credentials) (string, error) {
	var ans authDomainsAnswer
	err := c.do(ctx, request{op: opListAuthDomains, method: http.MethodGet, base: c.iam, path: pathAuthDomains,
		out: &ans, cred: cred, noDomain: true})
	if err != nil {
		return "", domainLookupError(err)
	}
	if len(ans.Domains) == 0 || ans.Domains[0].ID == "" {
		return "", &Error{Op: opListAuthDomains, Method: http.MethodGet, Path: pathAuthDomains, Kind: KindBadResponse,
			Err: errors.New("IAM listed no account for this key; set bss.domain_id to the partner's account id")}
	}
	return ans.Domains[0].ID, nil
}

// domainLookupError says in words why IAM refused to tell the account id.
func domainLookupError(err error) error {
	var be *Error
	if errors.As(err, &be) {
		switch be.Kind {
		case KindAuth:
			return fmt.Errorf("bss: IAM rejected the access key while looking up the partner's account id for X-Domain-Id "+
				"(HTTP %d): the AK/SK is wrong or disabled, or the clock is off: %w", be.HTTPStatus, err)
		case KindForbidden:
			return fmt.Errorf("bss: IAM does not let this access key read its account id (HTTP %d on GET %s): the key "+
				"belongs to an IAM user without IAM read permission; set bss.domain_id to the partner's account id "+
				"(console: My Credentials), or grant the user IAM read access: %w", be.HTTPStatus, pathAuthDomains, err)
		}
	}
	return fmt.Errorf("bss: looking up the partner's account id for X-Domain-Id with IAM: %w", err)
}
