package oaapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hongyan/internal/oaapi"
	"hongyan/internal/oaapi/oafake"
	"hongyan/internal/oaapi/wxwire"
)

// A push whose first attempt times out is sent again with the same MsgId,
// and the second attempt's reply is the answer.
func TestPushRetryKeepsMsgID(t *testing.T) {
	f := oafake.New()
	f.AddApp(oaapi.App{AppID: appID, OriginalID: origID}, secret)
	var mu sync.Mutex
	var seen []int64
	ds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p, err := wxwire.ParsePush(body)
		if err != nil {
			t.Errorf("push does not parse: %v", err)
			return
		}
		mu.Lock()
		seen = append(seen, p.MsgId)
		first := len(seen) == 1
		mu.Unlock()
		if first {
			<-r.Context().Done() // hold the first attempt until the platform gives up
			return
		}
		w.Write([]byte("<xml><MsgType>text</MsgType><Content>late</Content></xml>"))
	}))
	defer ds.Close()
	f.SetServer(appID, oaapi.Server{URL: ds.URL, Token: devTok, Mode: oaapi.ModePlain})
	p := oaapi.NewPusher(f, oaapi.PushOptions{AllowPrivate: true, Timeout: 200 * time.Millisecond})
	r, err := p.Deliver(context.Background(), appID, wxwire.Push{FromUserName: "o1", MsgType: wxwire.TypeText, Content: "hi", MsgId: 99})
	if err != nil || r == nil || r.Text != "late" {
		t.Fatalf("Deliver = %+v, %v; want the second attempt's reply", r, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0] != 99 || seen[1] != 99 {
		t.Errorf("attempts carried MsgIds %v, want [99 99]", seen)
	}
}

// BenchmarkPush delivers pushes to a loopback developer server that counts
// them by MsgId: every push must arrive exactly once.
//
//	go test -run XXX -bench Push -benchtime 20000x ./internal/oaapi/
func BenchmarkPush(b *testing.B) {
	for _, mode := range []string{oaapi.ModePlain, oaapi.ModeSafe} {
		b.Run(mode, func(b *testing.B) {
			f := oafake.New()
			f.AddApp(oaapi.App{AppID: appID, OriginalID: origID}, secret)
			var mu sync.Mutex
			got := map[int64]int{}
			var c *wxwire.Cipher
			if mode == oaapi.ModeSafe {
				c, _ = wxwire.NewCipher(aesKey, appID)
			}
			ds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if c != nil {
					e, err := wxwire.ParseEnvelope(body)
					if err != nil {
						w.WriteHeader(400)
						return
					}
					if body, err = c.Decrypt(e.Encrypt); err != nil {
						w.WriteHeader(400)
						return
					}
				}
				p, err := wxwire.ParsePush(body)
				if err != nil {
					w.WriteHeader(400)
					return
				}
				mu.Lock()
				got[p.MsgId]++
				mu.Unlock()
				w.Write([]byte("success"))
			}))
			defer ds.Close()
			f.SetServer(appID, oaapi.Server{URL: ds.URL, Token: devTok, AESKey: aesKey, Mode: mode})
			p := oaapi.NewPusher(f, oaapi.PushOptions{AllowPrivate: true})
			var next atomic.Int64
			var failed atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := next.Add(1)
					if _, err := p.Deliver(context.Background(), appID, wxwire.Push{FromUserName: "o1", MsgType: wxwire.TypeText, Content: "hello", MsgId: id}); err != nil {
						failed.Add(1)
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pushes/s")
			mu.Lock()
			defer mu.Unlock()
			dup := 0
			for _, n := range got {
				if n > 1 {
					dup++
				}
			}
			if failed.Load() != 0 || len(got) != b.N || dup != 0 {
				b.Fatalf("%d pushes: %d failed, %d distinct arrived, %d duplicated", b.N, failed.Load(), len(got), dup)
			}
		})
	}
}

// A news reply to a user's message keeps one article; to an event, up to 8.
func TestPushNewsReply(t *testing.T) {
	f := oafake.New()
	f.AddApp(oaapi.App{AppID: appID, OriginalID: origID}, secret)
	news := "<xml><MsgType>news</MsgType><ArticleCount>3</ArticleCount><Articles>" +
		"<item><Title>a</Title><Url>https://x.example/a</Url></item><item><Title>b</Title></item><item><Title>c</Title></item></Articles></xml>"
	ds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, news) }))
	defer ds.Close()
	f.SetServer(appID, oaapi.Server{URL: ds.URL, Token: devTok, Mode: oaapi.ModePlain})
	p := oaapi.NewPusher(f, oaapi.PushOptions{AllowPrivate: true, Timeout: time.Second})
	ctx := context.Background()
	r, err := p.Deliver(ctx, appID, wxwire.Push{FromUserName: "o1", MsgType: wxwire.TypeText, Content: "news?", MsgId: 5})
	if err != nil || r == nil || r.Kind != oaapi.MsgNews || len(r.Articles) != 1 || r.Articles[0].URL != "https://x.example/a" {
		t.Errorf("news reply to a message = %+v, %v; want its first article", r, err)
	}
	r, err = p.Deliver(ctx, appID, wxwire.Push{FromUserName: "o1", MsgType: wxwire.TypeEvent, Event: wxwire.EventClick, EventKey: "K"})
	if err != nil || r == nil || len(r.Articles) != 3 {
		t.Errorf("news reply to a click = %+v, %v; want 3 articles", r, err)
	}
}
