package linkfetch

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hongyan/internal/hongyan"
	"hongyan/internal/testenv"
)

// TestControl checks the dial-time guard on the addresses SSRF attacks
// aim at, in each form they take. The check happens before connect(2),
// so nothing here sends a packet.
func TestControl(t *testing.T) {
	f := New(Options{})
	for _, c := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:80", false},
		{"127.1.2.3:8080", false},
		{"[::1]:80", false},
		{"[::ffff:127.0.0.1]:80", false},
		{"[::ffff:7f00:1]:443", false},
		{"[::127.0.0.1]:80", false},
		{"169.254.169.254:80", false},
		{"[::ffff:169.254.169.254]:80", false},
		{"[fe80::1%eth0]:80", false},
		{"[fe80::1]:80", false},
		{"10.0.0.1:443", false},
		{"172.16.5.4:80", false},
		{"172.31.255.255:80", false},
		{"192.168.1.1:80", false},
		{"[fc00::1]:80", false},
		{"[fd12:3456::1]:80", false},
		{"100.64.0.1:80", false},
		{"100.127.255.254:80", false},
		{"0.0.0.0:80", false},
		{"0.1.2.3:80", false},
		{"[::]:80", false},
		{"224.0.0.1:80", false},
		{"239.255.255.250:1900", false},
		{"[ff02::1]:80", false},
		{"255.255.255.255:80", false},
		{"240.0.0.1:80", false},
		{"198.18.0.1:80", false},
		{"[64:ff9b::7f00:1]:80", false},    // NAT64 of 127.0.0.1
		{"[64:ff9b::a9fe:a9fe]:80", false}, // NAT64 of 169.254.169.254
		{"[2002:7f00:1::1]:80", false},     // 6to4 of 127.0.0.1
		{"[2002:0a00:0001::1]:80", false},  // 6to4 of 10.0.0.1
		{"not an address", false},
		{"93.184.215.14:80", true},
		{"8.8.8.8:443", true},
		{"100.63.255.255:80", true}, // just below CGNAT
		{"100.128.0.0:80", true},    // just above CGNAT
		{"172.32.0.1:80", true},     // just above 172.16/12
		{"[::ffff:8.8.8.8]:443", true},
		{"[2606:4700:4700::1111]:443", true},
		{"[64:ff9b::808:808]:443", true}, // NAT64 of 8.8.8.8
		{"[2002:808:808::1]:443", true},  // 6to4 of 8.8.8.8
	} {
		err := f.control("tcp", c.addr, nil)
		if got := err == nil; got != c.ok {
			t.Errorf("control(%s): got error %v, want allowed=%v", c.addr, err, c.ok)
		}
	}
	if err := f.control("udp4", "8.8.8.8:53", nil); err == nil {
		t.Errorf("control(udp): allowed, want refused")
	}
}

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func pngImage() []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 40, 20)))
	return b.Bytes()
}

// site serves a page with Open Graph tags, a plain page, a GBK page, an
// image and redirects.
func site(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	img := pngImage()
	mux.HandleFunc("/og", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><head>
			<title>Plain title</title>
			<meta property="og:title" content="  Open   Graph &amp; title ">
			<meta name="description" content="plain description">
			<meta property="og:description" content="OG description">
			<meta property="og:image" content="/static/cover.png">
			</head><body><meta property="og:title" content="in the body"></body></html>`)
	})
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html><head><TITLE>\n  Just a\ttitle\n</TITLE><meta name=Description content='words'></head><body>x</body>")
	})
	mux.HandleFunc("/gbk", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		page, _ := simplifiedchinese.GBK.NewEncoder().String(`<html><head><meta charset="gbk"><title>红雁新闻</title></head></html>`)
		w.Write([]byte(page))
	})
	mux.HandleFunc("/static/cover.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(img)
	})
	mux.HandleFunc("/fake-image", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><head><meta property="og:image" content="/og"></head></html>`)
	})
	mux.HandleFunc("/huge-image", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><head><title>t</title><meta property="og:image" content="/static/huge.png"></head></html>`)
	})
	mux.HandleFunc("/static/huge.png", func(w http.ResponseWriter, r *http.Request) {
		w.Write(append(pngImage(), make([]byte, 6<<20)...))
	})
	mux.HandleFunc("/long", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html><head><title>"+strings.Repeat("长", 300)+"</title></head>")
		w.Write(bytes.Repeat([]byte("<!-- padding -->"), 200_000))
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		fmt.Fprint(w, "%PDF-1.4")
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/redirect/{n}", func(w http.ResponseWriter, r *http.Request) {
		n := r.PathValue("n")
		if n == "0" {
			http.Redirect(w, r, "/og", http.StatusFound)
			return
		}
		var next int
		fmt.Sscan(n, &next)
		http.Redirect(w, r, fmt.Sprintf("/redirect/%d", next-1), http.StatusFound)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // answers only when the client gives up
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestRefusesLoopbackByDefault(t *testing.T) {
	srv := site(t)
	_, err := New(Options{}).Fetch(t.Context(), srv.URL+"/og")
	wantCode(t, "Fetch(127.0.0.1)", err, hongyan.CodeDenied)
	_, err = New(Options{}).Fetch(t.Context(), strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)+"/og")
	wantCode(t, "Fetch(localhost)", err, hongyan.CodeDenied)
}

func TestFetch(t *testing.T) {
	srv := site(t)
	f := New(Options{AllowPrivate: true})
	for _, c := range []struct {
		path               string
		title, description string
		image              bool
	}{
		{"/og", "Open Graph & title", "OG description", true},
		{"/plain", "Just a title", "words", false},
		{"/gbk", "红雁新闻", "", false},
		{"/fake-image", "", "", false},
		{"/huge-image", "t", "", false},
		{"/long", strings.Repeat("长", MaxTitle), "", false},
		{"/pdf", "", "", false},
		{"/redirect/2", "Open Graph & title", "OG description", true},
		{"/static/cover.png", "", "", true},
	} {
		p, err := f.Fetch(t.Context(), srv.URL+c.path)
		if err != nil {
			t.Errorf("Fetch(%s): %v", c.path, err)
			continue
		}
		if p.Title != c.title || p.Description != c.description {
			t.Errorf("Fetch(%s): got %q / %q, want %q / %q", c.path, p.Title, p.Description, c.title, c.description)
		}
		if got := p.Image != nil; got != c.image {
			t.Errorf("Fetch(%s): got image %v (%d bytes), want %v", c.path, got, len(p.Image), c.image)
		}
		if c.image && (p.ImageType != "image/png" || !bytes.Equal(p.Image, pngImage())) {
			t.Errorf("Fetch(%s): got image of type %q, want the PNG", c.path, p.ImageType)
		}
	}
	p, err := f.Fetch(t.Context(), srv.URL+"/redirect/1")
	if err != nil || p.URL != srv.URL+"/og" {
		t.Errorf("Fetch(redirect): got URL %q, %v; want %q", p.URL, err, srv.URL+"/og")
	}
	_, err = f.Fetch(t.Context(), srv.URL+"/redirect/3")
	wantCode(t, "Fetch(4 redirects)", err, hongyan.CodeUnavailable)
	_, err = f.Fetch(t.Context(), srv.URL+"/missing")
	wantCode(t, "Fetch(404)", err, hongyan.CodeUnavailable)
}

func TestBadURLs(t *testing.T) {
	f := New(Options{AllowPrivate: true})
	for _, u := range []string{"", "example.com", "ftp://example.com/", "javascript:alert(1)", "file:///etc/passwd",
		"http://", "http://user:secret@example.com/", "gopher://127.0.0.1:25/", "http://exa mple.com/", strings.Repeat("x", 5000)} {
		_, err := f.Fetch(t.Context(), u)
		wantCode(t, fmt.Sprintf("Fetch(%.40q)", u), err, hongyan.CodeInvalid)
	}
}

// TestRedirectToInternal: a public-looking page redirects to an internal
// address. Here 127.0.0.1 plays the public internet and 127.0.0.2 the
// internal network; the guard checks the address of every hop as it is
// dialled.
func TestRedirectToInternal(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		testenv.Missing(t, "cannot listen on 127.0.0.2: %v", err)
	}
	internal := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the internal server was reached: %s", r.URL)
		fmt.Fprint(w, "<title>secret</title>")
	}))
	internal.Listener.Close()
	internal.Listener = ln
	internal.Start()
	defer internal.Close()
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-internal":
			http.Redirect(w, r, internal.URL+"/admin", http.StatusFound)
		case "/image-internal":
			fmt.Fprintf(w, `<title>ok</title><meta property="og:image" content="%s/secret.png">`, internal.URL)
		}
	}))
	defer public.Close()

	f := New(Options{})
	f.allow = func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.1") }
	_, err = f.Fetch(t.Context(), public.URL+"/to-internal")
	wantCode(t, "Fetch(redirect to an internal address)", err, hongyan.CodeDenied)
	p, err := f.Fetch(t.Context(), public.URL+"/image-internal")
	if err != nil || p.Title != "ok" || p.Image != nil {
		t.Errorf("Fetch(preview image on an internal address): got %+v, %v; want the page without its image", p, err)
	}
}

func TestTimeout(t *testing.T) {
	srv := site(t)
	f := New(Options{AllowPrivate: true, Timeout: 200 * time.Millisecond})
	_, err := f.Fetch(t.Context(), srv.URL+"/slow")
	wantCode(t, "Fetch(slow)", err, hongyan.CodeUnavailable)
}
