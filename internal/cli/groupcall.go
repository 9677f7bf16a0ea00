package cli

import (
	"context"
	"errors"
	"strconv"
	"time"

	"hongyan/internal/callclient"
	pb "hongyan/internal/gen/hongyanv1"
)

const groupCallUsage = "call group GID [--seconds N] | call talk GID [--seconds N]"

// groupCallCmd joins a group's voice call (or, talk, its walkie-talkie
// room, holding the floor) with the Go client's synthetic audio for
// --seconds, leaves, and prints one JSON line.
func (e *env) groupCallCmd(talk bool, pos []string, fl map[string]string) error {
	if _, video := fl["video"]; video || len(pos) != 1 {
		return usageErr("usage: %s", groupCallUsage)
	}
	g, err := parseID(pos[0])
	if err != nil {
		return err
	}
	d := 5 * time.Second
	if s, ok := fl["seconds"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxCallSeconds {
			return usageErr("--seconds is a number of seconds (1 to %d), not %q", maxCallSeconds, s)
		}
		d = time.Duration(n) * time.Second
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	var participants int
	callclient.DrainPushes(c, nil)
	kind := pb.GroupCallKind_GROUP_CALL_KIND_VOICE
	if talk {
		kind = pb.GroupCallKind_GROUP_CALL_KIND_TALKIE
	}
	jctx, cancel := context.WithTimeout(e.ctx, callTimeout)
	r, err := callclient.JoinRoom(jctx, c, g, kind)
	cancel()
	if err != nil {
		return err
	}
	select {
	case <-r.Connected():
	case <-time.After(20 * time.Second):
		r.Leave(context.WithoutCancel(e.ctx))
		return errors.New("the media server could not be reached")
	case <-e.ctx.Done():
		r.Leave(context.WithoutCancel(e.ctx))
		return e.ctx.Err()
	}
	start := time.Now()
	granted := 0
	if talk {
		ok, _, err := r.Floor(e.ctx, true)
		if err != nil {
			r.Leave(context.WithoutCancel(e.ctx))
			return err
		}
		if ok {
			granted++
		}
		r.Talk(ok)
	} else {
		r.Talk(r.Speaker)
	}
	select {
	case <-time.After(d):
	case <-e.ctx.Done():
	}
	r.Talk(false)
	if talk && granted > 0 {
		r.Floor(context.WithoutCancel(e.ctx), false)
	}
	res := r.Result()
	after, err := r.Leave(context.WithoutCancel(e.ctx))
	if err == nil {
		participants = len(after.GetParticipants()) + 1 // with me, as it was
	}
	return e.print(object{{"group", g}, {"kind", res.Kind}, {"speaker", res.Speaker}, {"floor_granted", granted > 0},
		{"participants", participants}, {"setup_ms", res.SetupMS}, {"duration_ms", time.Since(start).Milliseconds()},
		{"packets_sent", res.PacketsSent}, {"packets_received", res.PacketsReceived}, {"packets_lost", res.PacketsLost},
		{"bytes_sent", res.BytesSent}, {"bytes_received", res.BytesReceived}})
}
