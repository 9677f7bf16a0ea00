package cli

import (
	pb "hongyan/internal/gen/hongyanv1"
)

// uploadGroupFile uploads the file at path and returns its media ID, for
// sharing with a group.
func (e *env) uploadGroupFile(path string) (string, error) {
	s, err := e.session()
	if err != nil {
		return "", err
	}
	return e.uploadFile(s, "file", path)
}

func fileObject(f *pb.GroupFile) object {
	return object{{"id", f.Id}, {"group", f.Group}, {"uploader", f.Uploader}, {"media", f.Media}, {"name", f.Name}, {"type", f.Type},
		{"size", f.Size}, {"created", when(f.Created)}, {"deleted", when(f.Deleted)}}
}

func filesObject(fs []*pb.GroupFile) []object {
	out := make([]object, 0, len(fs))
	for _, f := range fs {
		out = append(out, fileObject(f))
	}
	return out
}
