package node

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/chat"
	"hongyan/internal/config"
	"hongyan/internal/hongyan"
)

// A full export holds every chat of the user, however many: it pages
// through them rather than stopping at one page of the chat list.
func TestExportEveryChat(t *testing.T) {
	ctx := t.Context()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Limits = config.Limits{}
	n, err := New(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	sess, err := n.accounts.Register(ctx, account.Registration{AccountID: "many_chats", Password: "password-many", Nickname: "many"})
	if err != nil {
		t.Fatal(err)
	}
	const chats = chat.MaxPage + 20
	var wg sync.WaitGroup
	errs := make(chan error, chats)
	for i := range chats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			peer := sess.User + 1000 + hongyan.UserID(i)
			_, _, _, err := n.db.Chats().AppendMessage(ctx, chat.NewMessage{A: sess.User, B: peer, Message: chat.Message{
				Sender: peer, ClientID: fmt.Sprint("m", i), Text: "hi", Time: time.Now()}}, []hongyan.UserID{sess.User})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(n.handler)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/export", nil)
	req.Header.Set("Authorization", "Bearer "+sess.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /export: %d, %v", resp.StatusCode, err)
	}
	z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	chatFile := regexp.MustCompile(`^chats/\d+/chat\.json$`)
	got := 0
	for _, f := range z.File {
		if chatFile.MatchString(f.Name) {
			got++
		}
	}
	if got != chats {
		t.Errorf("full export of a user with %d chats: got %d chats", chats, got)
	}
}
