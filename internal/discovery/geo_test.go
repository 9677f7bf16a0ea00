package discovery_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"hongyan/internal/discovery"
)

// Every point within a level's radius of a centre lies in a cell of the
// centre's cover at that level (up to 80° north or south, across the
// antimeridian too).
func TestCoverHoldsTheCircle(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		c := discovery.Point{Lat: (r.Float64()*2 - 1) * 80, Lon: (r.Float64()*2 - 1) * 180}
		for i, l := range discovery.Levels {
			// A point at a random bearing, up to the radius away.
			d, b := r.Float64()*l.Radius, r.Float64()*2*math.Pi
			p := discovery.Point{Lat: c.Lat + d*math.Cos(b)/111195, Lon: c.Lon + d*math.Sin(b)/(111195*math.Cos(c.Lat*math.Pi/180))}
			if p.Lon > 180 {
				p.Lon -= 360
			} else if p.Lon < -180 {
				p.Lon += 360
			}
			if discovery.Distance(c, p) > l.Radius {
				continue
			}
			if cover := discovery.Cover(c, l.Radius, l.Deg); !slices.Contains(cover, discovery.Cells(p)[i]) {
				t.Fatalf("level %d: %v is %.0f m from %v but its cell is not in the cover", i, p, discovery.Distance(c, p), c)
			}
		}
	}
}

func TestBands(t *testing.T) {
	for _, c := range []struct {
		d    float64
		want int
	}{{0, 100}, {100, 100}, {100.5, 200}, {499, 500}, {1500, 2000}, {4999, 5000}, {9000, 10000}, {50000, 10000}} {
		if got := discovery.Band(c.d); got != c.want {
			t.Errorf("Band(%v) = %d, want %d", c.d, got, c.want)
		}
	}
	// The same seed, the same answer; jitter stays within its bounds.
	if a, b := discovery.Jitter(1000, 1, 2, 3), discovery.Jitter(1000, 1, 2, 3); a != b {
		t.Errorf("Jitter differs for one seed: %v, %v", a, b)
	}
	for s := range int64(1000) {
		if j := discovery.Jitter(1000, s); j < 650 || j > 1350 {
			t.Errorf("Jitter(1000, %d) = %v, want within 30%% and 50 m", s, j)
		}
	}
	if d := discovery.Distance(discovery.Point{Lat: 0, Lon: 0}, discovery.Point{Lat: 0, Lon: 1}); math.Abs(d-111195) > 10 {
		t.Errorf("a degree at the equator: got %.0f m, want about 111195", d)
	}
}
