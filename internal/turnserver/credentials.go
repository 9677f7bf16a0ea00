package turnserver

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// ICEServer is one entry of a WebRTC configuration's iceServers: the URLs
// of a STUN or TURN server and the credentials to use with them.
type ICEServer struct {
	URLs       []string
	Username   string
	Credential string
}

// MaxUsername bounds the username a client may present; longer ones are
// refused before anything is computed.
const MaxUsername = 128

// Credentials returns the TURN REST API credentials of user valid until
// expires: the username "expiry:user" (expiry in Unix seconds) and the
// password base64(HMAC-SHA1(secret, username)). Any TURN server that shares
// the secret (coturn's use-auth-secret, this package's Server) accepts them
// until expires, without asking the node.
func Credentials(secret []byte, user string, expires time.Time) (username, password string) {
	username = strconv.FormatInt(expires.Unix(), 10) + ":" + user
	return username, sign(secret, username)
}

func sign(secret []byte, username string) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// parseUsername splits a TURN REST API username into its expiry and user.
// It accepts only "digits:user" with a non-empty user of printable ASCII
// without ':' and a total length of at most MaxUsername.
func parseUsername(username string) (expires time.Time, user string, ok bool) {
	if len(username) > MaxUsername {
		return time.Time{}, "", false
	}
	exp, user, found := strings.Cut(username, ":")
	if !found || exp == "" || len(exp) > 12 || user == "" {
		return time.Time{}, "", false
	}
	var secs int64
	for _, c := range []byte(exp) {
		if c < '0' || c > '9' {
			return time.Time{}, "", false
		}
		secs = secs*10 + int64(c-'0')
	}
	for _, c := range []byte(user) {
		if c <= ' ' || c >= 0x7f || c == ':' {
			return time.Time{}, "", false
		}
	}
	return time.Unix(secs, 0), user, true
}

// Issuer issues credentials for a set of TURN/STUN URLs that share one
// secret: the built-in server's, or an external TURN server's (coturn with
// use-auth-secret and static-auth-secret set to the same secret).
type Issuer struct {
	URLs   []string
	Secret []byte
	TTL    time.Duration
}

// ICEServers returns the servers user may use from now: one entry with
// every URL and credentials that expire after the issuer's TTL. No URLs:
// nothing.
func (i Issuer) ICEServers(user string, now time.Time) []ICEServer {
	if len(i.URLs) == 0 {
		return nil
	}
	name, pass := Credentials(i.Secret, user, now.Add(i.TTL))
	return []ICEServer{{URLs: append([]string(nil), i.URLs...), Username: name, Credential: pass}}
}
