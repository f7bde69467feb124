package bss

import "github.com/partnerbot/partnerbot/internal/redact"

// scrub hides, in an answer, the credentials its call was signed with and the partner's own, as
// the logs and the audit log hide secrets (internal/redact). BSS or its gateway may echo an
// access key or a security token in a message ("invalid signature, Access=…"), and everything
// read from an answer — error messages, per-item errors — goes on to chat replies, request
// results and the audit log. The temporary credentials of a customer's agency are known only
// here, so they are hidden here. An answer that holds none is returned as it is.
func (c *Client) scrub(data []byte, cred Credentials) []byte {
	p := c.cfg.Credentials
	return redact.New(cred.AccessKey, cred.SecretKey, cred.SecurityToken, p.AccessKey, p.SecretKey, p.SecurityToken).Bytes(data)
}
