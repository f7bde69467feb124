package telegram

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/png" // DecodeConfig of the PNGs replies carry
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/chat"
)

// The Bot API's limits on a photo (sendPhoto): at most 10 MB, width + height at most 10,000
// pixels, the longer side at most 20 times the shorter; a caption at most 1024 characters after
// entity parsing. An image outside them goes as a document (sendDocument, up to 50 MB), as does
// one Telegram refuses with PHOTO_INVALID_DIMENSIONS.
const (
	MaxCaptionChars = 1024
	maxPhotoBytes   = 10 << 20
	maxPhotoSides   = 10000
	maxPhotoRatio   = 20
)

// step is one message of a reply as Telegram receives it: an image with its caption, or a
// text part. Its key names it in the resume key of a notice, so that a retried notice skips
// the steps that already went out.
type step struct {
	img  *chat.Image
	html string // the caption of an image, or the text
}

func (s step) key() string {
	if s.img == nil {
		return s.html
	}
	sum := sha256.Sum256(s.img.PNG)
	return "image:" + hex.EncodeToString(sum[:]) + ":" + s.html
}

// plan orders a reply's messages. Without images they are the rendered text parts. With
// images, each image is a photo; the first carries the reply as its caption when the reply
// fits in one caption, and then nothing else follows; otherwise the first carries a short
// caption (the reply's title, else the image's alt text) and the reply follows as text. Later
// images carry their alt text. Images go first so that the text, when it follows, ends the
// reply with its buttons under it.
func plan(r chat.Reply) ([]step, [][]chat.Button) {
	m := Render(r, MaxMessageChars)
	if len(r.Images) == 0 {
		steps := make([]step, len(m.Parts))
		for i, p := range m.Parts {
			steps[i] = step{html: p}
		}
		return steps, m.Buttons
	}
	var steps []step
	noButtons := r
	noButtons.Buttons = nil
	caption := Render(noButtons, MaxCaptionChars).Parts
	whole := len(caption) <= 1
	for i := range r.Images {
		img := &r.Images[i]
		s := step{img: img, html: shortCaption(img.Alt)}
		if i == 0 {
			switch {
			case whole && len(caption) == 1:
				s.html = caption[0]
			case !whole && strings.TrimSpace(r.Title) != "":
				s.html = shortCaption(r.Title)
			}
		}
		steps = append(steps, s)
	}
	if !whole {
		for _, p := range m.Parts {
			steps = append(steps, step{html: p})
		}
	}
	return steps, m.Buttons
}

// shortCaption is s escaped for HTML and cut to fit a caption.
func shortCaption(s string) string {
	s = strings.TrimSpace(s)
	if utf16Len(s) > MaxCaptionChars {
		rs := []rune(s)
		for len(rs) > 0 && utf16Len(string(rs)) > MaxCaptionChars-1 {
			rs = rs[:len(rs)-1]
		}
		s = string(rs) + "…"
	}
	return escape(s)
}

// photoFits reports whether png keeps the documented limits of a photo; one whose header
// cannot be read is tried as a photo, and Telegram says.
func photoFits(png []byte) bool {
	if len(png) > maxPhotoBytes {
		return false
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(png))
	if err != nil {
		return true
	}
	w, h := cfg.Width, cfg.Height
	if w <= 0 || h <= 0 {
		return true
	}
	return w+h <= maxPhotoSides && max(w, h) <= maxPhotoRatio*min(w, h)
}

// isInvalidPhoto reports Telegram refusing a photo for its dimensions.
func isInvalidPhoto(te *tgbotapi.Error) bool {
	return strings.Contains(strings.ToUpper(te.Message), "PHOTO_INVALID_DIMENSIONS")
}

// sendStep sends one step: a text part through sendPart, an image through sendImage.
func (a *Adapter) sendStep(ctx context.Context, chatID int64, s step, replyTo int, kb *tgbotapi.InlineKeyboardMarkup, patient bool) (tgbotapi.Message, error) {
	if s.img == nil {
		return a.sendPart(ctx, chatID, s.html, replyTo, kb, patient)
	}
	return a.sendImage(ctx, chatID, *s.img, s.html, replyTo, kb, patient)
}

// sendImage sends img with its HTML caption as a photo (sendPhoto, multipart), or as a
// document (sendDocument) when it breaks the photo limits or Telegram answers
// PHOTO_INVALID_DIMENSIONS. Like sendPart it keeps the pace, follows a migrated group, falls
// back to a plain caption when Telegram refuses the HTML and, when patient, sits out short 429s.
func (a *Adapter) sendImage(ctx context.Context, chatID int64, img chat.Image, caption string, replyTo int, kb *tgbotapi.InlineKeyboardMarkup, patient bool) (tgbotapi.Message, error) {
	chatID = a.chatOf(chatID)
	mode := tgbotapi.ModeHTML
	asDocument := !photoFits(img.PNG)
	name := img.Name
	if name == "" {
		name = "image.png"
	}
	for attempt := 0; ; attempt++ {
		if err := a.pace.wait(ctx, chatID); err != nil {
			return tgbotapi.Message{}, err
		}
		api, err := a.call(ctx)
		if err != nil {
			return tgbotapi.Message{}, err
		}
		file := tgbotapi.FileBytes{Name: name, Bytes: img.PNG}
		base := tgbotapi.BaseChat{ChatID: chatID}
		if replyTo != 0 {
			base.ReplyToMessageID = replyTo
			base.AllowSendingWithoutReply = true
		}
		if kb != nil {
			base.ReplyMarkup = *kb
		}
		var c tgbotapi.Chattable
		method := "sendPhoto"
		if asDocument {
			method = "sendDocument"
			c = tgbotapi.DocumentConfig{BaseFile: tgbotapi.BaseFile{BaseChat: base, File: file}, Caption: caption, ParseMode: mode}
		} else {
			c = tgbotapi.PhotoConfig{BaseFile: tgbotapi.BaseFile{BaseChat: base, File: file}, Caption: caption, ParseMode: mode}
		}
		sent, err := api.Send(c)
		if err == nil {
			return sent, nil
		}
		te, ok := apiError(err)
		if !ok || attempt >= 3 {
			return tgbotapi.Message{}, fmt.Errorf("telegram: %s to %d: %w", method, chatID, err)
		}
		switch {
		case te.MigrateToChatID != 0:
			a.noteMigration(chatID, te.MigrateToChatID)
			chatID = te.MigrateToChatID
			continue
		case !asDocument && isInvalidPhoto(te):
			a.log.Info("telegram: Telegram refused the image as a photo; sending it as a document", "chat", chatID, "image", name)
			asDocument = true
			continue
		case isThrottle(te):
			wait := retryAfter(te)
			a.pace.hold(chatID, wait)
			if patient && wait <= interactiveRetryMax {
				a.log.Warn("telegram: flood control; waiting before sending again", "chat", chatID, "retry_after", wait)
				continue
			}
		case isBadHTML(te) && mode == tgbotapi.ModeHTML:
			a.log.Error("telegram: Telegram refused the HTML of a caption; sending it as plain text", "chat", chatID, "error", err)
			caption, mode = plainText(caption), ""
			continue
		}
		return tgbotapi.Message{}, fmt.Errorf("telegram: %s to %d: %w", method, chatID, err)
	}
}
