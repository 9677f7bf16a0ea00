package sqlite

import (
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// The WAL write buffer. SQLite appends a commit to the write-ahead log one
// frame at a time, and each frame as two writes (its 24-byte header, then
// the page): a commit that touches 30 pages costs 60 pwrite calls. Where a
// system call is dear (a virtual machine), those writes were a seventh of
// the node's CPU at 3,000 sends a second. vfsName is the default ("unix")
// VFS with one change: a WAL file's writes that follow one another in the
// file are gathered in memory and written with one call.
//
// Durability and visibility are unchanged. The gathered bytes are written
// before any other operation on the file (sync, read, truncate, size, file
// control, close), when a write does not continue them, when the buffer is
// full, and as soon as a commit frame is complete — SQLite marks a commit
// frame in its header (the database size after the commit, nonzero only
// there) and publishes the frames to other connections only after writing
// it. With synchronous=FULL the commit's sync follows at once anyway; the
// commit-frame rule keeps a connection without it correct as well.
const vfsName = "hongyan"

// walBufSize is the most a WAL file's buffer gathers before it writes.
// maxWrite is the most one write hands the unix VFS: it writes at most
// 128 KiB - 1 bytes a call (a bigger one is cut short and fails), so a
// buffer goes out in writes of at most 124 KiB. One commit of sends is a
// write or two.
const (
	walBufSize = 1 << 20
	maxWrite   = 31 << 12
)

// walState follows the unix VFS's own file structure in the memory SQLite
// allocates for an open file (the VFS's szOsFile is the unix one plus this).
type walState struct {
	buf    uintptr // walBufSize bytes of C memory, allocated on the first write
	start  int64   // the file offset of buf's first byte
	n      int64   // bytes gathered
	commit int32   // the last write was a commit frame's header
}

var (
	unixVFS     uintptr                     // the "unix" VFS this one wraps
	unixOsFile  uintptr                     // offset of walState: unix's szOsFile, aligned
	unixMethods uintptr                     // the unix I/O methods of a WAL file
	walMethods  sqlite3.Tsqlite3_io_methods // unixMethods with the write buffer
	walMu       sync.Mutex                  // guards unixMethods and walMethods' setup

	// walWrites counts the writes that reached the WAL files (flushes and
	// writes too large to gather); tests read it.
	walWrites atomic.Int64
)

// registerVFS registers vfsName once per process.
var registerVFS = sync.OnceValue(func() error {
	tls := libc.NewTLS()
	defer tls.Close()
	unix := sqlite3.Xsqlite3_vfs_find(tls, 0)
	if unix == 0 {
		return fmt.Errorf("sqlite: no default VFS")
	}
	orig := (*sqlite3.Tsqlite3_vfs)(cptr(unix))
	size := unsafe.Sizeof(sqlite3.Tsqlite3_vfs{})
	p := libc.Xmalloc(tls, libc.Tsize_t(size))
	name, err := libc.CString(vfsName)
	if p == 0 || err != nil {
		return fmt.Errorf("sqlite: out of memory registering the %s VFS", vfsName)
	}
	v := (*sqlite3.Tsqlite3_vfs)(cptr(p))
	*v = *orig
	v.FpNext = 0
	v.FzName = name
	unixVFS = unix
	unixOsFile = (uintptr(orig.FszOsFile) + 7) &^ 7
	v.FszOsFile = int32(unixOsFile + unsafe.Sizeof(walState{}))
	*(*func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32)(unsafe.Pointer(&v.FxOpen)) = walOpen
	if rc := sqlite3.Xsqlite3_vfs_register(tls, p, 0); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("sqlite: registering the %s VFS: code %d", vfsName, rc)
	}
	return nil
})

// cptr is the pointer to an address in SQLite's memory, which modernc's
// libc allocates outside Go's heap (the collector neither moves nor frees
// it) and hands around as uintptr.
func cptr(u uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&u)) }

// fp calls through C function pointers of the unix VFS.
func fp[F any](p uintptr) F { return *(*F)(unsafe.Pointer(&struct{ uintptr }{p})) }

func unixIO() *sqlite3.Tsqlite3_io_methods {
	return (*sqlite3.Tsqlite3_io_methods)(cptr(unixMethods))
}

func stateOf(pFile uintptr) *walState {
	return (*walState)(cptr(pFile + unixOsFile))
}

// walOpen opens a file through the unix VFS and, for a WAL file, puts the
// buffering methods in front of unix's.
func walOpen(tls *libc.TLS, _ uintptr, zName uintptr, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	open := fp[func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32]((*sqlite3.Tsqlite3_vfs)(cptr(unixVFS)).FxOpen)
	*stateOf(pFile) = walState{}
	rc := open(tls, unixVFS, zName, pFile, flags, pOutFlags)
	if rc != sqlite3.SQLITE_OK || flags&sqlite3.SQLITE_OPEN_WAL == 0 {
		return rc
	}
	f := (*sqlite3.Tsqlite3_file)(cptr(pFile))
	walMu.Lock()
	defer walMu.Unlock()
	if unixMethods == 0 && f.FpMethods != 0 {
		unixMethods = f.FpMethods
		walMethods = *unixIO()
		*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&walMethods.FxClose)) = walClose
		*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&walMethods.FxRead)) = walRead
		*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&walMethods.FxWrite)) = walWrite
		*(*func(*libc.TLS, uintptr, int64) int32)(unsafe.Pointer(&walMethods.FxTruncate)) = walTruncate
		*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&walMethods.FxSync)) = walSync
		*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&walMethods.FxFileSize)) = walFileSize
		*(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&walMethods.FxFileControl)) = walFileControl
	}
	// Only files with the methods the table was made from are wrapped;
	// any other goes on unbuffered.
	if f.FpMethods == unixMethods {
		f.FpMethods = uintptr(unsafe.Pointer(&walMethods))
	}
	return rc
}

// writeThrough hands one write to the unix VFS.
func writeThrough(tls *libc.TLS, pFile uintptr, buf uintptr, n int32, off int64) int32 {
	walWrites.Add(1)
	return fp[func(*libc.TLS, uintptr, uintptr, int32, int64) int32](unixIO().FxWrite)(tls, pFile, buf, n, off)
}

// flush writes what pFile has gathered, in writes of at most maxWrite.
func flush(tls *libc.TLS, pFile uintptr) int32 {
	s := stateOf(pFile)
	n, off := s.n, int64(0)
	s.n, s.commit = 0, 0
	for off < n {
		m := min(n-off, maxWrite)
		if rc := writeThrough(tls, pFile, s.buf+uintptr(off), int32(m), s.start+off); rc != sqlite3.SQLITE_OK {
			return rc
		}
		off += m
	}
	return sqlite3.SQLITE_OK
}

func walWrite(tls *libc.TLS, pFile uintptr, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	s := stateOf(pFile)
	amt := int64(iAmt)
	if s.n > 0 && (iOfst != s.start+s.n || s.n+amt > walBufSize || amt > maxWrite) {
		if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	if s.buf == 0 && amt <= maxWrite {
		s.buf = libc.Xmalloc(tls, walBufSize)
	}
	if s.buf == 0 || amt > maxWrite {
		return writeThrough(tls, pFile, zBuf, iAmt, iOfst)
	}
	if s.n == 0 {
		s.start = iOfst
	}
	src := unsafe.Slice((*byte)(cptr(zBuf)), amt)
	copy(unsafe.Slice((*byte)(cptr(s.buf+uintptr(s.n))), amt), src)
	s.n += amt
	if s.commit != 0 {
		// The page of a commit frame: the commit is whole.
		return flush(tls, pFile)
	}
	// A frame header holds the database size after a commit in bytes 4–8,
	// and 0 in every other frame.
	if amt == 24 && binary.BigEndian.Uint32(src[4:8]) != 0 {
		s.commit = 1
	}
	return sqlite3.SQLITE_OK
}

func walRead(tls *libc.TLS, pFile uintptr, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return fp[func(*libc.TLS, uintptr, uintptr, int32, int64) int32](unixIO().FxRead)(tls, pFile, zBuf, iAmt, iOfst)
}

func walTruncate(tls *libc.TLS, pFile uintptr, size int64) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return fp[func(*libc.TLS, uintptr, int64) int32](unixIO().FxTruncate)(tls, pFile, size)
}

func walSync(tls *libc.TLS, pFile uintptr, flags int32) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return fp[func(*libc.TLS, uintptr, int32) int32](unixIO().FxSync)(tls, pFile, flags)
}

func walFileSize(tls *libc.TLS, pFile uintptr, pSize uintptr) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return fp[func(*libc.TLS, uintptr, uintptr) int32](unixIO().FxFileSize)(tls, pFile, pSize)
}

func walFileControl(tls *libc.TLS, pFile uintptr, op int32, pArg uintptr) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return fp[func(*libc.TLS, uintptr, int32, uintptr) int32](unixIO().FxFileControl)(tls, pFile, op, pArg)
}

func walClose(tls *libc.TLS, pFile uintptr) int32 {
	rc := flush(tls, pFile)
	s := stateOf(pFile)
	if s.buf != 0 {
		libc.Xfree(tls, s.buf)
		s.buf = 0
	}
	if rc2 := fp[func(*libc.TLS, uintptr) int32](unixIO().FxClose)(tls, pFile); rc == sqlite3.SQLITE_OK {
		rc = rc2
	}
	return rc
}
