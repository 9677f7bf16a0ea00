package node_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	pb "hongyan/internal/gen/hongyanv1"
)

// get fetches path with u's session token as bearer.
func get(t *testing.T, srv *httptest.Server, u user, path string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u.token != "" {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func unzip(t *testing.T, b []byte) map[string]string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a ZIP archive: %v", err)
	}
	out := make(map[string]string)
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(data)
	}
	return out
}

// A chat, or all of one's data, is exported as a ZIP archive; nobody else
// can export it.
func TestExport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ann, ben, cal := registerUser(t, srv, "exp_ann1"), registerUser(t, srv, "exp_ben1"), registerUser(t, srv, "exp_cal1")
		befriend(t, srv, ann, ben)
		a := session(t, srv, ann)
		first := call(t, a, send(ben.id, "e1", "第一条")).GetSent()
		call(t, session(t, srv, ben), send(ann.id, "e2", "第二条 <b>bold</b>"))
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_FavoriteAdd{FavoriteAdd: &pb.FavoriteAddRequest{Note: "收藏的笔记"}}})
		conv := first.Conversation

		ex := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_Export{Export: &pb.ExportRequest{Conversation: conv}}}).GetExport()
		if ex.Url != fmt.Sprint("/export/", conv) {
			t.Fatalf("export: got URL %q", ex.Url)
		}
		resp, body := get(t, srv, ann, ex.Url)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("GET %s: %d %v", ex.Url, resp.StatusCode, resp.Header)
		}
		files := unzip(t, body)
		msgs := files[fmt.Sprintf("chats/%d/messages.json", conv)]
		if i, j := strings.Index(msgs, "第一条"), strings.Index(msgs, "第二条 <b>bold</b>"); i < 0 || j < i {
			t.Errorf("messages.json: got %q, want both messages in order", msgs)
		}
		if _, ok := files["profile.json"]; ok {
			t.Error("a chat export holds the profile")
		}

		_, body = get(t, srv, ann, "/export")
		files = unzip(t, body)
		for _, name := range []string{"README.txt", "profile.json", "contacts.json", "groups.json", "favorites.json", fmt.Sprintf("chats/%d/chat.json", conv)} {
			if _, ok := files[name]; !ok {
				t.Errorf("full export lacks %s (has %d files)", name, len(files))
			}
		}
		if !strings.Contains(files["favorites.json"], "收藏的笔记") || !strings.Contains(files["contacts.json"], "exp_ben1") {
			t.Errorf("full export: favorites %q, contacts %q", files["favorites.json"], files["contacts.json"])
		}

		if resp, _ := get(t, srv, cal, ex.Url); resp.StatusCode != 404 {
			t.Errorf("another user exports the chat: got %d, want 404", resp.StatusCode)
		}
		if resp, _ := get(t, srv, user{}, ex.Url); resp.StatusCode != 401 {
			t.Errorf("export without a token: got %d, want 401", resp.StatusCode)
		}
		if code := callCode(session(t, srv, cal), &pb.ClientFrame{Req: &pb.ClientFrame_Export{Export: &pb.ExportRequest{Conversation: conv}}}); code != "not_found" {
			t.Errorf("another user asks to export: got %q, want not_found", code)
		}
	})
}
