package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// API paths (relative to wecom.api_base).
const (
	pathGetToken      = "/cgi-bin/gettoken"
	pathMessageSend   = "/cgi-bin/message/send"
	pathAppChatSend   = "/cgi-bin/appchat/send"
	pathUpdateCard    = "/cgi-bin/message/update_template_card"
	pathWebhookSend   = "/cgi-bin/webhook/send"
	pathUserGet       = "/cgi-bin/user/get"
	pathMediaUpload   = "/cgi-bin/media/upload"
	maxResponseBytes  = 1 << 20
	tokenSafetyMargin = 5 * time.Minute
)

// apiResult is the common answer of every WeCom API: errcode 0 is success, whatever the HTTP
// status said (WeCom answers 200 to nearly everything).
type apiResult struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	InvalidUser string `json:"invaliduser"` // message/send: recipients that did not get it
	UserID      string `json:"userid"`      // user/get
	Name        string `json:"name"`        // user/get: the member's name
	MediaID     string `json:"media_id"`    // media/upload: the temporary material's id (3 days)
}

// client calls the WeCom server API: the app's access token (fetched from corp id and secret,
// cached until shortly before it expires, fetched again when WeCom says it is invalid or
// expired) and robot webhooks. No URL it builds is ever put in an error or a log line: the
// access token, the corp secret and robot keys travel in query strings.
type client struct {
	base    string
	corpID  string
	secret  string
	http    *http.Client
	now     func() time.Time
	onToken func(ok bool) // told of every token fetch, for Connected

	mu      sync.Mutex // guards token and expires
	token   string
	expires time.Time
	fetch   sync.Mutex // one gettoken at a time (the others wait and reuse its answer)
}

// accessToken returns a token valid for a while. stale is a token WeCom just refused: when the
// cache still holds it, a new one is fetched.
func (c *client) accessToken(ctx context.Context, stale string) (string, error) {
	if tok, ok := c.cached(stale); ok {
		return tok, nil
	}
	c.fetch.Lock()
	defer c.fetch.Unlock()
	if tok, ok := c.cached(stale); ok { // another caller fetched it while we waited
		return tok, nil
	}
	q := url.Values{"corpid": {c.corpID}, "corpsecret": {c.secret}}
	var res apiResult
	if err := c.do(ctx, http.MethodGet, pathGetToken, q, nil, &res); err != nil {
		c.report(false)
		return "", err
	}
	if res.ErrCode != 0 || res.AccessToken == "" {
		c.report(false)
		if res.ErrCode == 0 {
			return "", &APIError{Path: pathGetToken, Code: -1, Msg: "no access_token in the answer"}
		}
		return "", &APIError{Path: pathGetToken, Code: res.ErrCode, Msg: res.ErrMsg}
	}
	life := time.Duration(res.ExpiresIn) * time.Second
	if life <= 0 {
		life = 2 * time.Hour
	}
	// Refresh a little early: 5 minutes, or a tenth of a short lifetime.
	life -= min(tokenSafetyMargin, life/10)
	c.mu.Lock()
	c.token, c.expires = res.AccessToken, c.now().Add(life)
	c.mu.Unlock()
	c.report(true)
	return res.AccessToken, nil
}

func (c *client) cached(stale string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.token != stale && c.now().Before(c.expires) {
		return c.token, true
	}
	return "", false
}

func (c *client) report(ok bool) {
	if c.onToken != nil {
		c.onToken(ok)
	}
}

// tokenRefused: the codes with which WeCom refuses an access token: 40014 invalid, 42001
// expired, 40001 invalid credential. One fresh gettoken settles it: with a bad secret that
// fetch fails with 40001 itself and the error is returned.
func tokenRefused(code int) bool { return code == 40014 || code == 42001 || code == 40001 }

// call posts body to an app API with the access token, fetching a new token and trying once
// more when WeCom refuses the token.
func (c *client) call(ctx context.Context, path string, body any) (apiResult, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return apiResult{}, fmt.Errorf("wecom %s: %w", path, err)
	}
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx, stale)
		if err != nil {
			return apiResult{}, err
		}
		var res apiResult
		if err := c.do(ctx, http.MethodPost, path, url.Values{"access_token": {tok}}, payload, &res); err != nil {
			return apiResult{}, err
		}
		if tokenRefused(res.ErrCode) && attempt == 0 {
			stale = tok
			continue
		}
		if res.ErrCode != 0 {
			return res, &APIError{Path: path, Code: res.ErrCode, Msg: res.ErrMsg}
		}
		return res, nil
	}
}

// get asks an app API with the access token in a GET (q carries the parameters), fetching a new
// token and trying once more when WeCom refuses the token.
func (c *client) get(ctx context.Context, path string, q url.Values) (apiResult, error) {
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx, stale)
		if err != nil {
			return apiResult{}, err
		}
		params := url.Values{"access_token": {tok}}
		for k, v := range q {
			params[k] = v
		}
		var res apiResult
		if err := c.do(ctx, http.MethodGet, path, params, nil, &res); err != nil {
			return apiResult{}, err
		}
		if tokenRefused(res.ErrCode) && attempt == 0 {
			stale = tok
			continue
		}
		if res.ErrCode != 0 {
			return res, &APIError{Path: path, Code: res.ErrCode, Msg: res.ErrMsg}
		}
		return res, nil
	}
}

// uploadImage uploads a PNG as temporary material (media/upload?type=image: multipart/form-data,
// the file in the form field "media" with its filename and filelength) and returns its
// media_id, fetching a new token and trying once more when WeCom refuses the token.
func (c *client) uploadImage(ctx context.Context, name string, png []byte) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename=%q; filelength=%d`, name, len(png)))
	h.Set("Content-Type", "image/png")
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(png)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", fmt.Errorf("wecom %s: %w", pathMediaUpload, err)
	}
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx, stale)
		if err != nil {
			return "", err
		}
		var res apiResult
		q := url.Values{"access_token": {tok}, "type": {"image"}}
		if err := c.doType(ctx, http.MethodPost, pathMediaUpload, q, mw.FormDataContentType(), buf.Bytes(), &res); err != nil {
			return "", err
		}
		if tokenRefused(res.ErrCode) && attempt == 0 {
			stale = tok
			continue
		}
		if res.ErrCode != 0 {
			return "", &APIError{Path: pathMediaUpload, Code: res.ErrCode, Msg: res.ErrMsg}
		}
		if res.MediaID == "" {
			return "", fmt.Errorf("wecom %s: the answer has no media_id", pathMediaUpload)
		}
		return res.MediaID, nil
	}
}

// webhook posts body to a group robot.
func (c *client) webhook(ctx context.Context, key string, body any) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("wecom robot: %w", err)
	}
	var res apiResult
	if err := c.do(ctx, http.MethodPost, pathWebhookSend, url.Values{"key": {key}}, payload, &res); err != nil {
		return err
	}
	if res.ErrCode != 0 {
		return &APIError{Path: pathWebhookSend, Code: res.ErrCode, Msg: res.ErrMsg}
	}
	return nil
}

// do makes one HTTP exchange and decodes the JSON answer into out. Errors never carry the URL.
func (c *client) do(ctx context.Context, method, path string, q url.Values, body []byte, out *apiResult) error {
	return c.doType(ctx, method, path, q, "application/json; charset=utf-8", body, out)
}

// doType is do with the body's content type.
func (c *client) doType(ctx context.Context, method, path string, q url.Values, contentType string, body []byte, out *apiResult) error {
	u := c.base + path + "?" + q.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("wecom %s: cannot build the request", path)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error's text holds the URL, and with it the token or key
		}
		return fmt.Errorf("wecom %s: %w", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("wecom %s: reading the answer: %w", path, err)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return &HTTPError{Path: path, Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	}
	if resp.StatusCode != http.StatusOK {
		return &HTTPError{Path: path, Status: resp.StatusCode}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("wecom %s: the answer is not JSON: %w", path, err)
	}
	return nil
}

func retryAfter(h string) time.Duration {
	if s, err := strconv.Atoi(h); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}
