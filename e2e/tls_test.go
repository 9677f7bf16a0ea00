package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The ACME path against a real ACME server: Let's Encrypt's Pebble (a Go
// tool of this module) issues the certificate for hongyan.test that the
// real binary obtains at the first handshake; /healthz is then fetched
// over HTTPS trusting only Pebble's root. Pebble is told to consider every
// challenge valid (PEBBLE_VA_ALWAYS_VALID): the name does not resolve to
// this machine.
func TestACMECertificateFromPebble(t *testing.T) {
	dir := t.TempDir()
	pebble := filepath.Join(dir, "pebble")
	build := exec.Command("go", "build", "-o", pebble, "github.com/letsencrypt/pebble/v2/cmd/pebble")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("building Pebble (go tool in go.mod): %v\n%s", err, out)
		}
		t.Skipf("Pebble cannot be built here, so the ACME path is not tested: %v\n%s", err, out)
	}

	// Pebble's own HTTPS certificate (its directory is HTTPS only).
	pebbleCert := filepath.Join(dir, "pebble-cert.pem")
	pebbleKey := filepath.Join(dir, "pebble-key.pem")
	pebblePool := selfSigned(t, pebbleCert, pebbleKey)
	api, mgmt := freeAddr(t), freeAddr(t)
	_, httpPort, _ := net.SplitHostPort(freeAddr(t))
	_, tlsPort, _ := net.SplitHostPort(freeAddr(t))
	conf := fmt.Sprintf(`{"pebble": {"listenAddress": %q, "managementListenAddress": %q,
  "certificate": %q, "privateKey": %q, "httpPort": %s, "tlsPort": %s, "ocspResponderURL": "",
  "externalAccountBindingRequired": false, "retryAfter": {"authz": 1, "order": 1}, "keyAlgorithm": "ecdsa",
  "profiles": {"default": {"description": "default", "validityPeriod": 7776000}}}}`,
		api, mgmt, pebbleCert, pebbleKey, httpPort, tlsPort)
	confPath := filepath.Join(dir, "pebble.json")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pcmd := exec.CommandContext(ctx, pebble, "-config", confPath)
	pcmd.Env = append(os.Environ(), "PEBBLE_VA_ALWAYS_VALID=1", "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0")
	plog := new(bytes.Buffer) // one writer: exec writes it from one goroutine at a time
	pcmd.Stdout, pcmd.Stderr = plog, plog
	if err := pcmd.Start(); err != nil {
		t.Fatal(err)
	}
	pdone := make(chan struct{})
	go func() { pcmd.Wait(); close(pdone) }()
	t.Cleanup(func() { pcmd.Process.Kill(); <-pdone })

	trustPebble := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pebblePool}}}
	directory := "https://" + api + "/dir"
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := trustPebble.Get(directory)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-pdone:
			t.Fatalf("Pebble exited:\n%s", plog)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("Pebble's directory did not answer: %v\n%s", err, plog)
		}
		time.Sleep(50 * time.Millisecond) // polling until Pebble listens
	}

	data := filepath.Join(dir, "data")
	s := startServerEnv(t, data, "127.0.0.1:0", []string{
		"HONGYAN_TLS_ACME_DOMAINS=hongyan.test",
		"HONGYAN_TLS_ACME_DIRECTORY=" + directory,
		"HONGYAN_TLS_ACME_ROOT=" + pebbleCert,
		"HONGYAN_TLS_ACME_EMAIL=ops@hongyan.test",
	})

	// The root Pebble issues under (generated at its start).
	resp, err := trustPebble.Get("https://" + mgmt + "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	rootPEM, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(rootPEM) {
		t.Fatalf("Pebble's root: no certificate in %q", rootPEM)
	}

	// hongyan.test is dialled at the server's loopback address.
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	client := &http.Client{Timeout: 90 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "hongyan.test"},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, s.addr)
		},
	}}
	_, port, _ := net.SplitHostPort(s.addr)
	resp, err = client.Get("https://hongyan.test:" + port + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz over HTTPS with the ACME certificate: %v\nserver log:\n%s\npebble log:\n%s", err, s.log, plog)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("/healthz: got %d %q, want 200 ok", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("HSTS: got %q, want max-age=…", got)
	}
	if leaf := resp.TLS.PeerCertificates[0]; len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "hongyan.test" {
		t.Errorf("certificate names: got %v, want [hongyan.test]", leaf.DNSNames)
	}
	// Kept in <data>/acme, so a restart does not ask the CA again.
	if _, err := os.Stat(filepath.Join(data, "acme", "hongyan.test")); err != nil {
		t.Errorf("certificate cache: %v", err)
	}
	// A name not in acme_domains gets no certificate.
	other := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "other.test"},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, s.addr)
		},
	}}
	if resp, err := other.Get("https://other.test:" + port + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a name not configured: got %d, want a failed handshake", resp.StatusCode)
	}
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and localhost
// to certPath and keyPath and returns a pool that trusts it.
func selfSigned(t *testing.T, certPath, keyPath string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pebble test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
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
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}
