package bss

import "context"

// HeaderLanguage selects the language of names in some answers (zh_CN default, en_US).
const HeaderLanguage = "X-Language"

type langKey struct{}

// WithLanguage returns a context asking BSS for names in lang where an operation supports it
// (ShowCustomerOrderDetails): "en" for en_US, anything else for zh_CN.
func WithLanguage(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, bssLanguage(lang))
}

// bssLanguage maps the bot's language to the X-Language value.
func bssLanguage(lang string) string {
	if lang == "en" {
		return "en_US"
	}
	return "zh_CN"
}

// languageOf is the X-Language value the context asks for, zh_CN by default.
func languageOf(ctx context.Context) string {
	if v, ok := ctx.Value(langKey{}).(string); ok {
		return v
	}
	return "zh_CN"
}
