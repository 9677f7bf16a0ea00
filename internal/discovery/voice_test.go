package discovery_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"hongyan/internal/discovery"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb/stores"
)

// voices is a fake media feature: the clips each user uploaded, by ID,
// with their lengths; shared records what ShareVoice was asked.
type voices struct {
	clips  map[string]time.Duration // "user/id"
	shared []string
}

func (v *voices) ShareVoice(_ context.Context, user hongyan.UserID, id string) (time.Duration, error) {
	d, ok := v.clips[strings.Join([]string{itoa(int64(user)), id}, "/")]
	if !ok {
		return 0, hongyan.Errorf(hongyan.CodeNotFound, "no such media")
	}
	v.shared = append(v.shared, id)
	return d, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Voice bottles: thrown with a clip (text optional), picked with it, heard
// only by the thrower and whoever holds the bottle, and not by someone
// blocked; a clip that is not the caller's, or too long, throws nothing.
func TestVoiceBottles(t *testing.T) {
	engines(t, func(t *testing.T, open func(t *testing.T) *stores.DB) {
		f := newFixture(t, open(t), discovery.Config{ThrowsPerDay: 5})
		thrower, picker, stranger := me(1), me(2), me(3)
		_, err := f.s.ThrowVoice(f.ctx, thrower, "", "clip-a")
		wantCode(t, "a voice bottle on a server without media", err, hongyan.CodeInvalid)
		v := &voices{clips: map[string]time.Duration{
			itoa(1) + "/clip-a":    4 * time.Second,
			itoa(1) + "/too-long":  61 * time.Second,
			itoa(3) + "/strangers": time.Second,
		}}
		f.s.SetVoices(v)
		_, err = f.s.ThrowVoice(f.ctx, thrower, "", "strangers")
		wantCode(t, "someone else's clip", err, hongyan.CodeNotFound)
		_, err = f.s.ThrowVoice(f.ctx, thrower, "", "too-long")
		wantCode(t, "a 61 s clip", err, hongyan.CodeInvalid)
		_, err = f.s.ThrowVoice(f.ctx, thrower, strings.Repeat("瓶", discovery.MaxBottleText+1), "clip-a")
		wantCode(t, "a voice bottle with too much text", err, hongyan.CodeInvalid)
		_, err = f.s.ThrowVoice(f.ctx, thrower, "", strings.Repeat("x", 129))
		wantCode(t, "a 129-byte media ID", err, hongyan.CodeInvalid)
		if v, _ := f.s.Pick(f.ctx, picker); v != nil {
			t.Fatalf("a failed throw left bottle %+v", v)
		}
		b, err := f.s.ThrowVoice(f.ctx, thrower, "  ", "clip-a")
		if err != nil || b.Voice != "clip-a" || b.VoiceMS != 4000 || b.Text != "" || !b.Mine {
			t.Fatalf("ThrowVoice: got %+v, %v; want a 4 s clip-a without text", b, err)
		}
		hear := func(who hongyan.Caller, want bool) {
			t.Helper()
			if got, err := f.s.CanHear(f.ctx, who.User, thrower.User, "clip-a"); err != nil || got != want {
				t.Errorf("user %d hears clip-a: got %v, %v; want %v", who.User, got, err, want)
			}
		}
		hear(thrower, true)
		hear(picker, false)
		p, err := f.s.Pick(f.ctx, picker)
		if err != nil || p == nil || p.ID != b.ID || p.Voice != "clip-a" || p.VoiceMS != 4000 {
			t.Fatalf("Pick: got %+v, %v; want the voice bottle", p, err)
		}
		hear(picker, true)
		hear(stranger, false)
		if _, err := f.s.Reply(f.ctx, picker, b.ID, "听到了"); err != nil {
			t.Errorf("reply to a voice bottle: %v", err)
		}
		f.w.mu.Lock()
		f.w.blocks[[2]hongyan.UserID{1, 2}] = true
		f.w.mu.Unlock()
		hear(picker, false)
		hear(thrower, true)
	})
}
