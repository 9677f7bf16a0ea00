package postgres_test

import (
	"testing"

	"hongyan/internal/media"
	"hongyan/internal/media/mediatest"
	"hongyan/internal/postgres/pgtest"
)

func TestMedia(t *testing.T) {
	pgtest.Require(t)
	mediatest.Run(t, func(t *testing.T) media.Store { return open(t).Media() })
}
