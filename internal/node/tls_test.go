package node_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/node"
	"hongyan/internal/wsclient"
)

// writeSelfSigned writes a self-signed certificate for 127.0.0.1 and
// localhost with the given serial to dir and returns its pool.
func writeSelfSigned(t *testing.T, dir string, serial int64) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "hongyan test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// A node with certificate files serves HTTPS with HSTS, the protocol over
// wss://, and the redirect listener sends plain HTTP to HTTPS; a node
// without TLS sends no HSTS.
func TestTLSWithCertificateFiles(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	pool := writeSelfSigned(t, dir, 1)
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Limits = config.Limits{}
	cfg.TLS.CertFile, cfg.TLS.KeyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	// The redirect listener needs a known port: take a free one.
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLS.RedirectListen = free.Addr().String()
	free.Close()
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if !n.TLS() {
		t.Fatal("TLS(): got false with cert_file set")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- n.Serve(ctx, ln) }()
	base := "https://" + ln.Addr().String()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz over HTTPS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: got %d, want 200", resp.StatusCode)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=31536000") {
		t.Errorf("HSTS: got %q, want max-age=31536000…", got)
	}
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("TLS state: %+v", resp.TLS)
	}

	// Plain HTTP to the TLS port gets nothing useful.
	if resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP on the TLS port: got 200")
		}
	}

	// The protocol over wss://.
	// (no client Timeout: it would wrap the upgraded connection)
	c, err := wsclient.Dial(ctx, base, wsclient.WithHTTPClient(&http.Client{Transport: hc.Transport}))
	if err != nil {
		t.Fatalf("wss dial: %v", err)
	}
	defer c.Close()
	if _, err := c.Register(ctx, &pb.RegisterRequest{AccountId: "tls_ann", Password: "password-tls"}); err != nil {
		t.Fatalf("register over wss: %v", err)
	}

	// The redirect listener: permanent redirect to the HTTPS port.
	noFollow := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var rresp *http.Response
	deadline := time.Now().Add(10 * time.Second)
	for {
		rresp, err = noFollow.Get("http://" + cfg.TLS.RedirectListen + "/chats?x=1")
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling until the listener is up
	}
	if err != nil {
		t.Fatalf("redirect listener: %v", err)
	}
	rresp.Body.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	rhost, _, _ := net.SplitHostPort(cfg.TLS.RedirectListen)
	if want := "https://" + net.JoinHostPort(rhost, port) + "/chats?x=1"; rresp.StatusCode != http.StatusPermanentRedirect || rresp.Header.Get("Location") != want {
		t.Errorf("redirect: got %d %q, want 308 %q", rresp.StatusCode, rresp.Header.Get("Location"), want)
	}
	if rresp.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS on plain HTTP: got %q, want none", rresp.Header.Get("Strict-Transport-Security"))
	}
	cancel()
	<-served
}

// Plain HTTP (the default) sends no HSTS.
func TestPlainHTTPHasNoHSTS(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if n.TLS() {
		t.Fatal("TLS(): got true by default, want plain HTTP")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- n.Serve(ctx, ln) }()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("plain HTTP /healthz: got %d HSTS %q, want 200 and no HSTS", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	cancel()
	<-served
}

// A missing certificate file fails start-up with a clear error instead of
// failing every handshake later.
func TestTLSMissingCertificateFails(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.TLS.CertFile, cfg.TLS.KeyFile = filepath.Join(cfg.Data, "none.pem"), filepath.Join(cfg.Data, "none.key")
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		n.Close()
		t.Fatal("New with a missing certificate: got nil error")
	}
	if !strings.Contains(err.Error(), "none.pem") {
		t.Errorf("error: got %v, want it to name the file", err)
	}
}
