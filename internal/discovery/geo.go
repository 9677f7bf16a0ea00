package discovery

import (
	"encoding/binary"
	"hash/fnv"
	"math"
)

// The geo index is a grid of cells in degrees that works on any SQL engine
// without an extension, at three sizes (Levels): each spot keeps the key of
// its cell at each. A query lists the cells of one level that cover a
// circle around the viewer and asks for the spots in them, the smallest
// level first: in a crowded city a few hundred rows hold the nearest page.
const (
	// MaxRadius is how far people nearby reach.
	MaxRadius = 10000.0
	// maxCellsPerRow bounds the cells of one row of a cover: near the
	// poles a degree of longitude is short, and the cover then reaches
	// less far east and west.
	maxCellsPerRow = 32
	earthRadius    = 6371008.8 // metres (mean)
	metresPerDeg   = earthRadius * math.Pi / 180
)

// ValidPoint reports whether p is a position on Earth.
func ValidPoint(p Point) bool {
	return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180 &&
		!math.IsNaN(p.Lat) && !math.IsNaN(p.Lon)
}

func index(v, lo, step float64, n int64) int64 {
	i := int64(math.Floor((v - lo) / step))
	return min(max(i, 0), n-1)
}

// cellKey returns the key of the cell of size step (degrees) at row i,
// column j.
func cellKey(step float64, i, j int64) int64 {
	cols := int64(math.Round(360 / step))
	return i*cols + j
}

// Level is one size of the grid: cells of Deg degrees, queried for a
// circle of Radius metres.
type Level struct {
	Deg    float64
	Radius float64
}

// Levels are the grid's sizes, smallest first: cells of about 220 m, 1.1 km
// and 11 km north–south.
var Levels = [3]Level{{0.002, 400}, {0.01, 1000}, {0.1, MaxRadius}}

// Cells returns the keys of p's cell at each level.
func Cells(p Point) [3]int64 {
	var out [3]int64
	for i, l := range Levels {
		out[i] = cell(p, l.Deg)
	}
	return out
}

func cell(p Point, step float64) int64 {
	rows, cols := int64(math.Round(180/step)), int64(math.Round(360/step))
	return cellKey(step, index(p.Lat, -90, step, rows), index(p.Lon, -180, step, cols))
}

// Cover returns the keys of the cells of size step (a level's Deg)
// that cover the circle of radius metres around p (less far east and west
// near the poles, see maxCellsPerRow).
func Cover(p Point, radius, step float64) []int64 {
	rows, cols := int64(math.Round(180/step)), int64(math.Round(360/step))
	dLat := radius / metresPerDeg
	i0, i1 := index(p.Lat-dLat, -90, step, rows), index(p.Lat+dLat, -90, step, rows)
	// The widest the circle is east–west, at the row nearer the pole.
	far := min(math.Abs(p.Lat)+dLat, 90)
	dLon := 180.0
	if c := math.Cos(far * math.Pi / 180); c > 1e-9 {
		dLon = radius / (metresPerDeg * c)
	}
	j0 := int64(math.Floor((p.Lon + 180 - dLon) / step))
	j1 := int64(math.Floor((p.Lon + 180 + dLon) / step))
	if j1-j0+1 > maxCellsPerRow {
		mid := int64(math.Floor((p.Lon + 180) / step))
		j0, j1 = mid-maxCellsPerRow/2, mid+maxCellsPerRow/2-1
	}
	var out []int64
	for i := i0; i <= i1; i++ {
		for j := j0; j <= j1; j++ {
			out = append(out, cellKey(step, i, ((j%cols)+cols)%cols))
		}
	}
	return out
}

// Distance returns the great-circle distance between a and b in metres.
func Distance(a, b Point) float64 {
	la1, la2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dLat, dLon := la2-la1, (b.Lon-a.Lon)*math.Pi/180
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadius * math.Asin(math.Sqrt(min(h, 1)))
}

// Bands are the distances people nearby are shown as ("within 100 m", …),
// in metres.
var Bands = []int{100, 200, 500, 1000, 2000, 5000, 10000}

// Band returns the smallest band that holds d metres (the last for more).
func Band(d float64) int {
	for _, b := range Bands {
		if d <= float64(b) {
			return b
		}
	}
	return Bands[len(Bands)-1]
}

// Jitter returns d moved by up to 30% and 50 m either way, by an amount
// that depends only on seed: the same viewer asking about the same person
// at the same shared location gets the same answer, so asking again does
// not average the noise away, and bands reveal no exact boundary.
func Jitter(d float64, seed ...int64) float64 {
	h := fnv.New64a()
	var b [8]byte
	for _, s := range seed {
		binary.LittleEndian.PutUint64(b[:], uint64(s))
		h.Write(b[:])
	}
	x := h.Sum64()
	u1 := float64(x&0xffffffff)/float64(1<<32)*2 - 1 // in [-1, 1)
	u2 := float64(x>>32)/float64(1<<32)*2 - 1
	return max(0, d*(1+0.3*u1)+50*u2)
}
