package media

// UploadPath exposes where upload id keeps its bytes, so that tests can
// play a crash between a chunk's fsync and its commit.
func (s *Service) UploadPath(id string) string { return s.uploadPath(id) }

// ExifOrientation exposes exifOrientation to the external tests.
var ExifOrientation = exifOrientation
