// Command echo is an example Hongyan bot in Go: it long-polls the bot API
// for events (standard library only) — or, with HONGYAN_BOT_STREAM=1, reads
// them from the WebSocket event stream (stream.go) — and answers every
// direct message, and every group message that mentions it, with "echo: "
// and the text. See docs/bots.md.
//
//	HONGYAN_SERVER=http://127.0.0.1:8080 HONGYAN_BOT_TOKEN=hyb_… go run ./examples/bots/echo
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"time"
)

func main() {
	server, token := os.Getenv("HONGYAN_SERVER"), os.Getenv("HONGYAN_BOT_TOKEN")
	if server == "" {
		server = "http://127.0.0.1:8080"
	}
	if token == "" {
		log.Fatal("set HONGYAN_BOT_TOKEN to the bot's token (hongyan cli bot create NAME prints one)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	run := Run
	if os.Getenv("HONGYAN_BOT_STREAM") == "1" {
		run = RunStream
	}
	if err := run(ctx, server, token, log.Default()); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

// Client calls the bot API.
type Client struct {
	Server, Token string
	HTTP          *http.Client
}

// apiError is the API's error body.
type apiError struct {
	Error struct{ Code, Message string } `json:"error"`
}

// Do sends a request (body encoded as JSON when not nil) and decodes the
// answer into out.
func (c Client) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Server+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e apiError
		json.Unmarshal(raw, &e)
		return fmt.Errorf("%s %s: %d %s: %s", method, path, resp.StatusCode, e.Error.Code, e.Error.Message)
	}
	return json.Unmarshal(raw, out)
}

// Event is one event of the bot.
type Event struct {
	ID   string `json:"id"`
	Seq  int64  `json:"seq"`
	Type string `json:"type"`
	Data struct {
		Chat struct {
			Type string `json:"type"`
			ID   int64  `json:"id"`
		} `json:"chat"`
		Sender int64  `json:"sender"`
		Kind   string `json:"kind"`
		Text   string `json:"text"`
	} `json:"data"`
}

// Run answers events until ctx ends.
func Run(ctx context.Context, server, token string, logger *log.Logger) error {
	c := Client{Server: server, Token: token, HTTP: &http.Client{Timeout: 70 * time.Second}}
	var me struct {
		Name string `json:"name"`
	}
	if err := c.Do(ctx, "GET", "/bot/v1/me", nil, &me); err != nil {
		return err
	}
	logger.Printf("bot %q listening", me.Name)
	var after int64
	for ctx.Err() == nil {
		var page struct {
			Events []Event `json:"events"`
			Next   int64   `json:"next"`
		}
		if err := c.Do(ctx, "GET", "/bot/v1/events?timeout=25&after="+strconv.FormatInt(after, 10), nil, &page); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			logger.Printf("events: %v; retrying in 2 s", err)
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
			continue
		}
		for _, e := range page.Events {
			handle(ctx, c, e, logger)
		}
		after = page.Next
	}
	return nil
}

// handle answers a text message or mention with its echo.
func handle(ctx context.Context, c Client, e Event, logger *log.Logger) {
	if (e.Type != "message" && e.Type != "mention") || e.Data.Kind != "text" {
		return
	}
	reply := map[string]any{
		"chat":      map[string]any{"type": e.Data.Chat.Type, "id": e.Data.Chat.ID},
		"text":      "echo: " + e.Data.Text,
		"client_id": "echo-" + e.ID, // a retry sends once
	}
	var sent map[string]any
	if err := c.Do(ctx, "POST", "/bot/v1/messages", reply, &sent); err != nil {
		logger.Printf("reply to %s: %v", e.ID, err)
	}
}
