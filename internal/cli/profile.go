package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// A profile is a directory holding one device's state: its session
// (session.json) and its sync cursor (cursor.json). Two profiles are two
// devices. Files are written atomically (a temporary file renamed over the
// old one) with mode 0600, because the session token is a credential.
type profile struct {
	dir string
}

// session is what a signed-in device keeps.
type session struct {
	Server    string `json:"server"`
	Token     string `json:"token"`
	User      int64  `json:"user"`
	Device    int64  `json:"device"`
	AccountID string `json:"account_id,omitempty"`
}

const (
	sessionFile = "session.json"
	cursorFile  = "cursor.json"
)

// errNoSession is returned by loadSession when the profile is signed out.
var errNoSession = errors.New("no session")

// loadSession returns the profile's session, or errNoSession.
func (p profile) loadSession() (session, error) {
	var s session
	err := p.read(sessionFile, &s)
	if errors.Is(err, fs.ErrNotExist) {
		return session{}, errNoSession
	}
	if err == nil && s.Token == "" {
		return session{}, errNoSession
	}
	return s, err
}

// saveSession stores s as the profile's session. A new session is a new
// device, so the cursor starts again from the beginning.
func (p profile) saveSession(s session) error {
	if err := p.remove(cursorFile); err != nil {
		return err
	}
	return p.write(sessionFile, s)
}

// clear removes the session and the cursor.
func (p profile) clear() error {
	if err := p.remove(sessionFile); err != nil {
		return err
	}
	return p.remove(cursorFile)
}

type cursorState struct {
	Cursor int64 `json:"cursor"`
}

// loadCursor returns the sequence of the last change this device printed
// (0 when it never synced).
func (p profile) loadCursor() (int64, error) {
	var c cursorState
	err := p.read(cursorFile, &c)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	return c.Cursor, err
}

func (p profile) saveCursor(seq int64) error {
	return p.write(cursorFile, cursorState{Cursor: seq})
}

func (p profile) read(name string, v any) error {
	data, err := os.ReadFile(filepath.Join(p.dir, name))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("profile %s: %s: %w", p.dir, name, err)
	}
	return nil
}

// write stores v as JSON in the file name, atomically: readers see the old
// or the new content, never a mix, even if the process dies mid-write.
func (p profile) write(name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return fmt.Errorf("create profile: %w", err)
	}
	f, err := os.CreateTemp(p.dir, "."+name+".tmp*")
	if err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(p.dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write profile: %w", err)
	}
	return nil
}

func (p profile) remove(name string) error {
	err := os.Remove(filepath.Join(p.dir, name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("profile: %w", err)
	}
	return nil
}
