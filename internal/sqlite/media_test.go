package sqlite_test

import (
	"testing"

	"hongyan/internal/media"
	"hongyan/internal/media/mediatest"
)

func TestMedia(t *testing.T) {
	mediatest.Run(t, func(t *testing.T) media.Store { return open(t).Media() })
}
