package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"hongyan/internal/config"
)

// serverTLS is the client listener's TLS: its tls.Config and, with ACME,
// the handler of HTTP-01 challenges the redirect listener serves.
type serverTLS struct {
	config *tls.Config
	// challenge wraps the redirect listener's handler (ACME answers its
	// HTTP-01 challenges there); nil without ACME.
	challenge func(http.Handler) http.Handler
}

// newServerTLS builds the TLS of cfg, or returns nil when TLS is off.
// Certificate files are loaded now, so that a wrong path fails start-up.
func newServerTLS(cfg config.Config) (*serverTLS, error) {
	t := cfg.TLS
	switch {
	case t.CertFile != "":
		kp := &keyPair{cert: t.CertFile, key: t.KeyFile}
		if _, err := kp.load(); err != nil {
			return nil, err
		}
		return &serverTLS{config: &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: kp.get,
			// HTTP/1.1 only: the WebSocket endpoint upgrades an HTTP/1.1
			// connection (no WebSocket over HTTP/2).
			NextProtos: []string{"http/1.1"},
		}}, nil
	case len(t.ACMEDomains) > 0:
		cache := t.ACMECache
		if cache == "" {
			cache = filepath.Join(cfg.Data, "acme")
		}
		client := &acme.Client{DirectoryURL: t.ACMEDirectory}
		if t.ACMERoot != "" {
			pem, err := os.ReadFile(t.ACMERoot)
			if err != nil {
				return nil, fmt.Errorf("tls.acme_root: %w", err)
			}
			roots := x509.NewCertPool()
			if !roots.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("tls.acme_root %s: no PEM certificate in it", t.ACMERoot)
			}
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
			client.HTTPClient = &http.Client{Transport: tr, Timeout: time.Minute}
		}
		m := &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			HostPolicy: autocert.HostWhitelist(t.ACMEDomains...),
			Cache:      autocert.DirCache(cache),
			Email:      t.ACMEEmail,
			Client:     client,
		}
		c := m.TLSConfig()
		c.MinVersion = tls.VersionTLS12
		c.NextProtos = []string{"http/1.1", acme.ALPNProto}
		return &serverTLS{config: c, challenge: m.HTTPHandler}, nil
	}
	return nil, nil
}

// keyPair is a certificate and key read from files, read again when a
// file's modification time changes (looked at once a minute at most).
type keyPair struct {
	cert, key string

	mu      sync.Mutex
	current *tls.Certificate
	mod     time.Time // of the files current was read from (the later)
	checked time.Time
}

func (k *keyPair) get(*tls.ClientHelloInfo) (*tls.Certificate, error) { return k.load() }

func (k *keyPair) load() (*tls.Certificate, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := time.Now()
	if k.current != nil && now.Sub(k.checked) < time.Minute {
		return k.current, nil
	}
	k.checked = now
	var mod time.Time
	for _, f := range []string{k.cert, k.key} {
		st, err := os.Stat(f)
		if err != nil {
			if k.current != nil {
				return k.current, nil // keep serving the one in hand
			}
			return nil, fmt.Errorf("tls: %w", err)
		}
		if st.ModTime().After(mod) {
			mod = st.ModTime()
		}
	}
	if k.current != nil && mod.Equal(k.mod) {
		return k.current, nil
	}
	c, err := tls.LoadX509KeyPair(k.cert, k.key)
	if err != nil {
		if k.current != nil {
			return k.current, nil // a renewal half written: try again later
		}
		return nil, fmt.Errorf("tls: %w", err)
	}
	k.current, k.mod = &c, mod
	return k.current, nil
}

// withHSTS adds Strict-Transport-Security to responses on TLS connections
// (never on plain HTTP, where it would mean nothing).
func withHSTS(maxAge time.Duration, next http.Handler) http.Handler {
	if maxAge <= 0 {
		return next
	}
	v := "max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10) + "; includeSubDomains"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", v)
		}
		next.ServeHTTP(w, r)
	})
}

// redirectToHTTPS answers every plain-HTTP request with a permanent
// redirect to the same URL on HTTPS (at the client listener's port when
// it is not 443).
func redirectToHTTPS(httpsPort string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if host == "" {
			http.Error(w, "no host", http.StatusBadRequest)
			return
		}
		if httpsPort != "" && httpsPort != "443" {
			host = net.JoinHostPort(host, httpsPort)
		} else if net.ParseIP(host) != nil && net.ParseIP(host).To4() == nil {
			host = "[" + host + "]"
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// Never repeat a body over plain HTTP: tell the client to use HTTPS.
			w.Header().Set("Connection", "close")
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}

// serveRedirect runs the plain-HTTP redirect listener until ctx ends.
func (n *Node) serveRedirect(ctx context.Context, httpsPort string) error {
	ln, err := net.Listen("tcp", n.cfg.TLS.RedirectListen)
	if err != nil {
		return fmt.Errorf("redirect listener: %w", err)
	}
	h := redirectToHTTPS(httpsPort)
	if n.tls.challenge != nil {
		h = n.tls.challenge(h)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	n.log.Info("redirect listener", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Warn("redirect listener", "err", err)
		}
	}()
	return nil
}

// TLS reports whether the client listener serves HTTPS.
func (n *Node) TLS() bool { return n.tls != nil }
