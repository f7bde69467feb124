package bsstest

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/partnerbot/partnerbot/bss"
)

// tempCred is a set of temporary credentials issued through an agency (§14).
type tempCred struct {
	secret     string
	token      string
	customerID string
	expires    time.Time
}

func errAuth(reason string) *apiError {
	return &apiError{status: http.StatusUnauthorized, code: "APIG.0301",
		msg: "Incorrect IAM authentication information: " + reason}
}

// authenticate checks the SDK-HMAC-SHA256 signature of c and sets the caller.
func (s *Server) authenticate(c *reqCtx) *apiError {
	h := c.r.Header.Get(bss.HeaderAuth)
	if h == "" {
		return errAuth("the Authorization header is missing")
	}
	a, err := bss.ParseAuthorization(h)
	if err != nil {
		return errAuth("the Authorization header is malformed")
	}
	var secret string
	switch {
	case a.AccessKey == s.partner.AccessKey:
		secret = s.partner.SecretKey
		c.kind = partnerCaller
	default:
		s.tmu.Lock()
		tc := s.temps[a.AccessKey]
		s.tmu.Unlock()
		if tc == nil {
			return errAuth("the access key does not exist")
		}
		if !c.authNow.Before(tc.expires) {
			return errAuth("the temporary access key has expired")
		}
		tok := c.r.Header.Get(bss.HeaderToken)
		switch {
		case tok == "":
			return errAuth("temporary credentials need the X-Security-Token header")
		case tok != tc.token:
			return errAuth("the X-Security-Token does not belong to the access key")
		case !slices.Contains(a.SignedHeaders, "x-security-token"):
			return errAuth("X-Security-Token must be among the signed headers")
		}
		secret = tc.secret
		c.kind = customerCaller
		c.customerID = tc.customerID
	}
	c.signed = a.SignedHeaders
	if err := bss.Verify(c.r, c.body, a, secret, c.authNow, s.maxSkew); err != nil {
		c.kind, c.customerID = 0, ""
		switch {
		case errors.Is(err, bss.ErrSignatureStale):
			return errAuth("X-Sdk-Date is missing, malformed or outside the allowed clock skew")
		case errors.Is(err, bss.ErrDateNotSigned):
			return errAuth("x-sdk-date must be among the signed headers")
		default:
			return errAuth("verify aksk signature fail")
		}
	}
	return nil
}

// issueTemp stores new temporary credentials for a customer and prunes expired ones.
func (s *Server) issueTemp(customerID string, now time.Time, life time.Duration) (ak string, tc *tempCred) {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	// Prune expired credentials whenever the map has doubled since the last pruning, which
	// keeps issuing amortised O(1).
	if len(s.temps) >= s.tempPrune {
		for k, v := range s.temps {
			if !now.Before(v.expires) {
				delete(s.temps, k)
			}
		}
		s.tempPrune = max(1024, 2*len(s.temps))
	}
	for {
		ak = "TMP" + randUpper(17)
		if s.temps[ak] == nil && ak != s.partner.AccessKey {
			break
		}
	}
	tc = &tempCred{secret: randUpper(40), token: "gQpjbi1ub3J0aC00" + randUpper(160), customerID: customerID,
		expires: now.Add(life)}
	s.temps[ak] = tc
	return ak, tc
}

// checkDomain enforces X-Domain-Id, which calls signed with AK/SK to a global service carry:
// the account id of the signing key (the partner's for its key, the customer's for temporary
// credentials obtained through its agency), itself signed. BSS calls must carry it; IAM calls
// may leave it out (the look-up of the account id cannot send it), but if sent it must match.
// The gateway answers a missing or foreign account id like any other authentication failure.
func (s *Server) checkDomain(c *reqCtx, rt *route) *apiError {
	got := c.r.Header.Get(bss.HeaderDomainID)
	if got == "" {
		if rt.iam {
			return nil
		}
		return errAuth("X-Domain-Id is missing; calls signed with an AK/SK to a global service must carry the account id of the key")
	}
	if !slices.Contains(c.signed, "x-domain-id") {
		return errAuth("X-Domain-Id must be among the signed headers")
	}
	if want := s.domainOf(c); got != want {
		return errAuth("X-Domain-Id " + strconv.Quote(got) + " is not the account of the access key")
	}
	return nil
}

// domainOf is the account id of the caller's key.
func (s *Server) domainOf(c *reqCtx) string {
	if c.kind == customerCaller {
		return c.customerID
	}
	return s.domainID
}
