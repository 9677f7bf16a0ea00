package sfu

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// slogFactory sends pion's log lines to slog at debug level: what pion
// reports as errors is mostly what clients sent (malformed or
// unauthenticated packets), which must not flood the node's log.
type slogFactory struct{ log *slog.Logger }

func (f slogFactory) NewLogger(scope string) logging.LeveledLogger {
	return slogLogger{f.log.With("pion", scope)}
}

type slogLogger struct{ log *slog.Logger }

func (l slogLogger) out(msg string) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.log.Debug(msg)
	}
}

func (l slogLogger) Trace(msg string)                  {}
func (l slogLogger) Tracef(format string, args ...any) {}
func (l slogLogger) Debug(msg string)                  { l.out(msg) }
func (l slogLogger) Debugf(format string, args ...any) { l.out(fmt.Sprintf(format, args...)) }
func (l slogLogger) Info(msg string)                   { l.out(msg) }
func (l slogLogger) Infof(format string, args ...any)  { l.out(fmt.Sprintf(format, args...)) }
func (l slogLogger) Warn(msg string)                   { l.out(msg) }
func (l slogLogger) Warnf(format string, args ...any)  { l.out(fmt.Sprintf(format, args...)) }
func (l slogLogger) Error(msg string)                  { l.out(msg) }
func (l slogLogger) Errorf(format string, args ...any) { l.out(fmt.Sprintf(format, args...)) }
