package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// RunStream is Run over the WebSocket event stream instead of long
// polling (HONGYAN_BOT_STREAM=1): the server pushes each event as a JSON
// text frame; the bot answers {"ack": SEQ} once it handled it, and after a
// dropped connection resumes with ?after= the last seq it handled.
func RunStream(ctx context.Context, server, token string, logger *log.Logger) error {
	c := Client{Server: server, Token: token, HTTP: &http.Client{Timeout: 30 * time.Second}}
	var after int64
	for ctx.Err() == nil {
		err := stream(ctx, c, &after, logger)
		if ctx.Err() != nil {
			return nil
		}
		switch websocket.CloseStatus(err) {
		case 4001, 4002: // revoked, or replaced by another stream with this token
			return err
		}
		logger.Printf("event stream: %v; reconnecting in 2 s", err)
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
	return nil
}

// stream reads one connection's events, moving *after past each handled.
func stream(ctx context.Context, c Client, after *int64, logger *log.Logger) error {
	url := "ws" + strings.TrimPrefix(c.Server, "http") + fmt.Sprintf("/bot/v1/events/stream?after=%d", *after)
	conn, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + c.Token}},
	})
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusUnauthorized {
			return websocket.CloseError{Code: 4001, Reason: "the token is not valid"}
		}
		return err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	logger.Printf("event stream open after %d", *after)
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		var e Event
		if err := json.Unmarshal(data, &e); err != nil {
			return err
		}
		handle(ctx, c, e, logger)
		*after = e.Seq
		if err := conn.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"ack":%d}`, e.Seq)); err != nil {
			return err
		}
	}
}
