package node_test

import (
	"context"
	"testing"
	"time"

	"hongyan/internal/callclient"
	"hongyan/internal/config"
	"hongyan/internal/postgres/pgtest"
)

// A call between devices on two nodes of a cluster (one PostgreSQL, one
// NATS): the state is in the store, signalling crosses the bus, and the
// call carries media both ways.
func TestCallAcrossNodes(t *testing.T) {
	dsn := pgtest.DSN(t)
	url := natsServer(t)
	var cfgs [2]config.Config
	for i := range cfgs {
		cfgs[i] = config.Default()
		cfgs[i].Storage.Driver, cfgs[i].Storage.Postgres = "postgres", dsn
		cfgs[i].Data = t.TempDir()
		cfgs[i].Bus = url
	}
	a, b := startNode(t, cfgs[0]), startNode(t, cfgs[1])
	ann, bob := registerUser(t, a, "xcall_ann"), registerUser(t, b, "xcall_bob")
	befriend(t, a, ann, bob)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ca, err := callclient.New(ctx, session(t, a, ann), ann.id)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	cb, err := callclient.New(ctx, session(t, b, bob), bob.id)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	answered := make(chan callclient.Result, 1)
	errs := make(chan error, 1)
	go func() {
		r, err := cb.Answer(ctx, callclient.Options{})
		if err != nil {
			errs <- err
			return
		}
		answered <- r
	}()
	placed, err := ca.Place(ctx, bob.id, callclient.Options{Talk: time.Second})
	if err != nil {
		t.Fatalf("Place: %v", err)
	}
	var got callclient.Result
	select {
	case got = <-answered:
	case err := <-errs:
		t.Fatalf("Answer: %v", err)
	}
	for name, r := range map[string]callclient.Result{"caller on node A": placed, "callee on node B": got} {
		if r.State != "hung_up" || r.PacketsReceived < 20 || r.PacketsSent < 20 {
			t.Errorf("%s: got %+v; want a hung-up call that carried media both ways", name, r)
		}
	}
}
