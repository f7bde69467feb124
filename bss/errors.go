package bss

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind classifies a BSS failure by what a person should do about it.
type Kind int

// The kinds of failure. KindOther covers codes with no specific advice.
const (
	KindOther          Kind = iota
	KindAuth                // bad or expired credentials, bad signature (401)
	KindNotPartner          // 401 on a {partner_id} path: not a certified partner, or the API is not granted
	KindForbidden           // 403: wrong credential kind or missing Partner Center permission
	KindInvalid             // 400: parameter error
	KindThrottled           // 429 / flow control
	KindNotFound            // 404 or "does not exist"
	KindNotSubCustomer      // the customer is not this partner's, or no permission on it
	KindNoAgency            // the customer has not authorised the partner (agency missing or revoked)
	KindServer              // 5xx
	KindNetwork             // could not reach BSS
	KindUnknownOutcome      // a mutation whose result is unknown: check before retrying
	KindBadResponse         // BSS answered something we cannot decode
	KindUnavailable         // the site has no such API (the international site); nothing was called
)

var kindNames = map[Kind]string{
	KindOther: "other", KindAuth: "auth", KindNotPartner: "not-partner", KindForbidden: "forbidden",
	KindInvalid: "invalid", KindThrottled: "throttled", KindNotFound: "not-found",
	KindNotSubCustomer: "not-sub-customer", KindNoAgency: "no-agency", KindServer: "server",
	KindNetwork: "network", KindUnknownOutcome: "unknown-outcome", KindBadResponse: "bad-response",
	KindUnavailable: "unavailable",
}

func (k Kind) String() string { return kindNames[k] }

// Error is every failure of a BSS call: the HTTP status, BSS error_code, message and request id
// when BSS answered, the underlying error when it did not.
type Error struct {
	Op         string // our name of the operation, e.g. "ListSubCustomers"
	Method     string
	Path       string
	HTTPStatus int    // 0 when no answer arrived
	Code       string // BSS error_code, e.g. CBC.0101, APIG.0308 (IAM's numeric codes as text)
	Message    string // BSS error_msg, or the answer's own text when it named none
	// AuthorizationMessage is encoded_authorization_message: which permission was missing,
	// encrypted (an administrator decodes it with STS decode-authorization-message). It is for
	// an admin view only: ExplainFor shows it when asked.
	AuthorizationMessage string
	Details              []ErrorDetail // the answer's details[], if any
	RequestID            string        // X-Request-Id; quote it to Huawei support
	// RetryAfter is the wait BSS asked for (Retry-After), uncapped; 0 when it asked none. A
	// throttled call whose hint exceeded Config.MaxWait returns at once with it set, so that
	// callers can say "try again in N minutes".
	RetryAfter time.Duration
	Kind       Kind
	Err        error // transport or decoding cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bss %s %s %s", e.Op, e.Method, e.Path)
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.HTTPStatus)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, " %q", e.Message)
	}
	for _, d := range e.Details {
		fmt.Fprintf(&b, "; %s %q", d.Code, d.Message)
	}
	if e.Kind == KindUnknownOutcome {
		b.WriteString(": outcome unknown, check the resource before retrying")
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, bss.ErrThrottled) and friends match on the kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(kindError)
	return ok && e.Kind == Kind(k)
}

type kindError Kind

func (k kindError) Error() string { return "bss: " + Kind(k).String() }

// Sentinels for errors.Is.
var (
	ErrAuth           error = kindError(KindAuth)
	ErrNotPartner     error = kindError(KindNotPartner)
	ErrForbidden      error = kindError(KindForbidden)
	ErrInvalid        error = kindError(KindInvalid)
	ErrThrottled      error = kindError(KindThrottled)
	ErrNotFound       error = kindError(KindNotFound)
	ErrNotSubCustomer error = kindError(KindNotSubCustomer)
	ErrNoAgency       error = kindError(KindNoAgency)
	ErrServer         error = kindError(KindServer)
	ErrNetwork        error = kindError(KindNetwork)
	ErrUnknownOutcome error = kindError(KindUnknownOutcome)
	ErrBadResponse    error = kindError(KindBadResponse)
	ErrUnavailable    error = kindError(KindUnavailable)
)

// classify maps an HTTP status and BSS code to a Kind (bss-api.md §10, §12, §14). The gateway
// spells its codes APIG.xxxx or APIGW.xxxx; both are read alike.
func classify(status int, code, path string) Kind {
	if rest, ok := strings.CutPrefix(code, "APIGW."); ok {
		code = "APIG." + rest
	}
	switch code {
	case "CBC.0250", "APIG.0308", "CBC.99007197":
		return KindThrottled
	case "CBC.0154", "APIG.0301", "APIG.0302", "APIG.0303", "APIG.0305":
		return KindAuth
	case "CBC.0150", "CBC.0151", "CBC.0155", "CBC.0156":
		return KindForbidden
	case "CBC.99000000", "CBC.99000035", "CBC.99000037":
		return KindNotSubCustomer
	case "CBC.0100", "CBC.0101":
		if status == 404 {
			return KindNotFound
		}
		return KindInvalid
	case "APIG.0101":
		return KindNotFound
	case "CBC.0999":
		return KindServer
	}
	switch {
	case status == 401 && strings.Contains(path, "/partner/") && strings.HasPrefix(path, "/v1.0/"):
		return KindNotPartner
	case status == 401:
		return KindAuth
	case status == 403:
		return KindForbidden
	case status == 404:
		return KindNotFound
	case status == 429:
		return KindThrottled
	case status == 400:
		return KindInvalid
	case status >= 500:
		return KindServer
	}
	return KindOther
}

// Explain says in the user's language (lang "en" or anything else for zh-CN) what went wrong
// and what to do. It is meant for chat replies; Error() is for logs.
func Explain(err error, lang string) string { return ExplainFor(err, lang, false) }

// ExplainFor is Explain for a given audience: with admin set it also shows the encrypted
// authorization message (encoded_authorization_message) an administrator can decode to learn
// which permission was missing.
func ExplainFor(err error, lang string, admin bool) string {
	var ae *ArgumentError
	if errors.As(err, &ae) {
		return ae.Explain(lang)
	}
	var e *Error
	if !errors.As(err, &e) {
		if lang == "en" {
			return "Something went wrong: " + err.Error()
		}
		return "出错了：" + err.Error()
	}
	msg := explanations[e.Kind]
	if m, ok := domainExplanations[e.Kind]; ok && e.Op == opListAuthDomains {
		msg = m
	}
	text := msg.zh
	if lang == "en" {
		text = msg.en
	}
	if e.Kind == KindInvalid && e.Message != "" || e.Kind == KindOther && e.Message != "" {
		text += " (" + e.Message + ")"
	}
	if e.RetryAfter > 0 {
		wait := waitText(e.RetryAfter, lang)
		switch {
		case e.Kind == KindThrottled && lang == "en":
			text = "Huawei Cloud is throttling requests and asks to wait " + wait + " before trying again."
		case e.Kind == KindThrottled:
			text = "华为云限流，要求等待" + wait + "后再试。"
		case lang == "en":
			text += " Huawei Cloud asks to wait " + wait + " before trying again."
		default:
			text += "华为云要求等待" + wait + "后再试。"
		}
	}
	if e.Code != "" || e.RequestID != "" {
		ref := strings.TrimSpace(e.Code + " " + e.RequestID)
		if lang == "en" {
			text += " [ref: " + ref + "]"
		} else {
			text += "［参考：" + ref + "］"
		}
	}
	if admin && e.AuthorizationMessage != "" {
		if lang == "en" {
			text += " Encoded authorization message (decode it with STS decode-authorization-message): " + e.AuthorizationMessage
		} else {
			text += " 加密的鉴权信息（可用 STS decode-authorization-message 解码）：" + e.AuthorizationMessage
		}
	}
	return text
}

var explanations = map[Kind]struct{ zh, en string }{
	KindOther: {"华为云 BSS 返回了错误。",
		"Huawei Cloud BSS returned an error."},
	KindAuth: {"华为云拒绝了凭证：AK/SK 错误、已停用或签名时间偏差过大。请检查 HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK 和服务器时钟。",
		"Huawei Cloud rejected the credentials: the AK/SK is wrong or disabled, or the clock is off. Check HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK and the server clock."},
	KindNotPartner: {"此账号不是已认证的华为云合作伙伴，或尚未开通该合作伙伴 API 权限（需华为手动开通）。",
		"This account is not a certified Huawei Cloud partner, or the partner API has not been granted to it (Huawei grants it manually)."},
	KindForbidden: {"没有权限：凭证类型不对（合作伙伴/客户），或操作员缺少伙伴中心的相应权限。",
		"Access denied: wrong kind of credentials (partner vs. customer), or the operator lacks the Partner Center permission for this API."},
	KindInvalid: {"请求参数无效。",
		"The request has an invalid parameter."},
	KindThrottled: {"华为云限流（合作伙伴 API 每秒 10 次）。请稍后再试。",
		"Huawei Cloud is throttling requests (partner APIs allow 10 per second). Try again shortly."},
	KindNotFound: {"未找到：资源、订单或客户不存在。",
		"Not found: the resource, order or customer does not exist."},
	KindNotSubCustomer: {"该客户不是本合作伙伴的子客户，或无权操作该客户/经销商。",
		"This customer is not one of this partner's customers, or the partner has no permission on it."},
	KindNoAgency: {"该客户未授权合作伙伴代为操作其资源（委托不存在或已被撤销）。",
		"This customer has not authorised the partner to act on its resources (the agency is missing or was revoked)."},
	KindServer: {"华为云 BSS 暂时出错，已重试仍失败。请稍后再试。",
		"Huawei Cloud BSS had an internal error and retries did not help. Try again later."},
	KindNetwork: {"无法连接华为云 BSS（网络或超时）。",
		"Could not reach Huawei Cloud BSS (network error or timeout)."},
	KindUnknownOutcome: {"操作结果未知：请求已发出但没有得到答复。请先查看资源状态，再决定是否重试。",
		"The outcome is unknown: the request was sent but no answer came back. Check the resource before retrying."},
	KindBadResponse: {"华为云 BSS 返回了无法解析的应答。",
		"Huawei Cloud BSS sent an answer that could not be read."},
	KindUnavailable: {"国际站没有此功能（华为云国际站不提供该 API）。",
		"Not available on the international site (Huawei Cloud's international site has no such API)."},
}

// domainExplanations word IAM's refusal to tell the partner's account id (ResolveDomainID).
var domainExplanations = map[Kind]struct{ zh, en string }{
	KindAuth: {"华为云拒绝了凭证（向 IAM 查询合作伙伴账号 ID 时）：AK/SK 错误、已停用或服务器时钟偏差过大。请检查 HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK 和服务器时钟。",
		"Huawei Cloud rejected the credentials while looking up the partner's account id with IAM: the AK/SK is wrong or disabled, or the server clock is off. Check HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK and the clock."},
	KindForbidden: {"IAM 不允许此 AK/SK 查询所属账号 ID：该密钥属于没有 IAM 读取权限的 IAM 用户。请在配置中填写 bss.domain_id（合作伙伴的账号 ID，见控制台“我的凭证”），或为该用户授予 IAM 只读权限。",
		"IAM does not let this AK/SK read its account id: the key belongs to an IAM user without IAM read permission. Set bss.domain_id (the partner's account id, shown under My Credentials in the console), or grant the user IAM read access."},
}

// ArgumentError is bad input caught before any call: it names the argument and the limit.
type ArgumentError struct {
	Op    string
	Arg   string // the JSON name of the argument, e.g. "quota_ids"
	Limit string // the rule, in English, e.g. "at most 10 items"
	Zh    string // the rule in Chinese, e.g. "最多 10 项"
}

func (e *ArgumentError) Error() string {
	return fmt.Sprintf("bss %s: argument %s: %s", e.Op, e.Arg, e.Limit)
}

// Is makes errors.Is(err, bss.ErrInvalid) true for argument errors too.
func (e *ArgumentError) Is(target error) bool { return target == ErrInvalid }

// Explain names the argument and the limit in the user's language.
func (e *ArgumentError) Explain(lang string) string {
	if lang == "en" {
		return fmt.Sprintf("Invalid %s: %s.", e.Arg, e.Limit)
	}
	return fmt.Sprintf("参数 %s 无效：%s。", e.Arg, e.Zh)
}

// waitText words a wait for people, rounded up: "45 s", "3 min", "1 h 30 min" (zh: 45 秒 …).
func waitText(d time.Duration, lang string) string {
	sec, mins, hour := "秒", "分钟", "小时"
	if lang == "en" {
		sec, mins, hour = " s", " min", " h"
	}
	if d < time.Minute {
		return strconv.Itoa(int((d+time.Second-1)/time.Second)) + sec
	}
	m := int((d + time.Minute - 1) / time.Minute)
	if m < 60 {
		return strconv.Itoa(m) + mins
	}
	text := strconv.Itoa(m/60) + hour
	if m%60 != 0 {
		sep := ""
		if lang == "en" {
			sep = " "
		}
		text += sep + strconv.Itoa(m%60) + mins
	}
	return text
}
