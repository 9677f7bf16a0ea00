package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// SecretPrefix starts every webhook secret (Standard Webhooks).
const SecretPrefix = "whsec_"

// Sign returns the Standard Webhooks signature header value of body sent
// as message id at unix time ts: "v1," + base64(HMAC-SHA256(key, id.ts.body))
// where key is the base64-decoded part of the secret after whsec_.
func Sign(secret, id string, ts int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "a webhook secret is whsec_ and base64")
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// Verify checks a webhook-signature header (one or more space-separated
// "v1,…" signatures) against body, and that ts is within tolerance of now.
func Verify(secret, id string, ts int64, body []byte, header string, now time.Time, tolerance time.Duration) bool {
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return false
	}
	want, err := Sign(secret, id, ts, body)
	if err != nil {
		return false
	}
	for _, sig := range strings.Fields(header) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}

// Request is one webhook POST.
type Request struct {
	URL     string
	Headers map[string]string
	Body    []byte
}

// Poster sends webhook requests (internal/botapi, through the SSRF guard).
type Poster interface {
	// Post sends r and returns the HTTP status (0 and an error when there
	// was no answer).
	Post(ctx context.Context, r Request) (int, error)
}

// Backoff is the delay before attempt n+1 after n failed attempts:
// FirstRetry doubling each time, at most MaxRetry.
func (c Config) Backoff(n int) time.Duration {
	d := c.FirstRetry
	for i := 1; i < n && d < c.MaxRetry; i++ {
		d *= 2
	}
	return min(d, c.MaxRetry)
}

// Body returns the JSON a webhook delivery of e carries.
func Body(e Event) []byte {
	b, _ := json.Marshal(EnvelopeOf(e))
	return b
}

// DeliverDue sends up to limit deliveries that are due, through p, and
// records each outcome; it returns how many it attempted. A 2xx answer
// delivers; anything else is retried after Backoff until MaxAttempts.
func (s *Service) DeliverDue(ctx context.Context, p Poster, limit int) (int, error) {
	now := s.now()
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	// Not cancelled half-way: claimed deliveries are always finished
	// (sent, or put back with their backoff when ctx ends the sends).
	ds, err := s.store.ClaimDeliveries(context.WithoutCancel(ctx), now, now.Add(s.cfg.Lease), limit)
	if err != nil || len(ds) == 0 {
		return 0, err
	}
	// Each delivery is sent and its outcome stored on its own goroutine,
	// so the outcomes share commits (the store's group commit).
	errs := make(chan error, len(ds))
	for _, d := range ds {
		go func() {
			status, err := s.send(ctx, p, d)
			errs <- s.store.FinishDelivery(context.WithoutCancel(ctx), d.ID, s.outcome(d, status, err))
		}()
	}
	var firstErr error
	for range ds {
		if err := <-errs; err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return len(ds), firstErr
}

// outcome is what an attempt of d that answered status (or err) leaves.
func (s *Service) outcome(d Delivery, status int, err error) Outcome {
	o := Outcome{Status: DeliveryDelivered, Attempts: d.Attempts + 1, LastStatus: status}
	if err != nil || status < 200 || status > 299 {
		o.Status, o.NextAt = DeliveryPending, s.now().Add(s.cfg.Backoff(o.Attempts))
		if err != nil {
			o.LastError = truncate(err.Error(), 200)
		} else {
			o.LastError = "HTTP " + strconv.Itoa(status)
		}
		if o.Attempts >= s.cfg.MaxAttempts {
			o.Status = DeliveryFailed
		}
	}
	return o
}

func (s *Service) send(ctx context.Context, p Poster, d Delivery) (int, error) {
	w, err := s.store.Webhook(ctx, d.Bot)
	if err != nil {
		return 0, err // removed since: retried, then failed
	}
	body := Body(d.Event)
	id := d.Event.WebhookID()
	ts := s.now().Unix()
	sig, err := Sign(w.Secret, id, ts, body)
	if err != nil {
		return 0, err
	}
	return p.Post(ctx, Request{URL: w.URL, Body: body, Headers: map[string]string{
		"webhook-id": id, "webhook-timestamp": strconv.FormatInt(ts, 10), "webhook-signature": sig,
		"content-type": "application/json",
	}})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
