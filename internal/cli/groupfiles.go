package cli

import (
	"path/filepath"
	"strings"

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

func filesObject(fs []*pb.GroupFile) []object { return listOf(fs, fileObject) }

// uploadAlbumPhoto uploads the image or video at path and returns its
// media ID.
func (e *env) uploadAlbumPhoto(path string) (string, error) {
	s, err := e.session()
	if err != nil {
		return "", err
	}
	kind := "image"
	switch strings.ToLower(filepath.Ext(path)) {
	case ".mp4", ".mov", ".webm", ".m4v":
		kind = "video"
	}
	return e.uploadFile(s, kind, path)
}

// albumRequest builds the request of groups app GID album SUB REST….
func albumRequest(req *pb.ClientFrame, gid int64, sub string, rest []string, page func() (*pb.GroupAppPage, error), num func(s, what string) (int64, error),
	upload func(path string) (string, error)) error {
	usage := usageErr("usage: %s", groupAppsUsage)
	id := func() (int64, error) {
		if len(rest) < 1 {
			return 0, usage
		}
		return num(rest[0], "ID")
	}
	n, err := int64(0), error(nil)
	if sub != "create" && sub != "list" {
		if n, err = id(); err != nil {
			return err
		}
	}
	ref := &pb.GroupAppRef{Group: gid, Id: n}
	switch sub {
	case "create":
		if len(rest) != 1 {
			return usage
		}
		req.Req = &pb.ClientFrame_AppAlbumCreate{AppAlbumCreate: &pb.AlbumCreateRequest{Group: gid, Name: rest[0]}}
		return nil
	case "rename":
		if len(rest) != 2 {
			return usage
		}
		req.Req = &pb.ClientFrame_AppAlbumRename{AppAlbumRename: &pb.AlbumRenameRequest{Group: gid, Id: n, Name: rest[1]}}
		return nil
	case "delete":
		req.Req = &pb.ClientFrame_AppAlbumDelete{AppAlbumDelete: ref}
		return nil
	case "show":
		req.Req = &pb.ClientFrame_AppAlbumGet{AppAlbumGet: ref}
		return nil
	case "list":
		p, err := page()
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_AppAlbums{AppAlbums: p}
		return nil
	case "add":
		if len(rest) < 2 || len(rest) > 21 {
			return usageErr("album add takes 1 to 20 files")
		}
		r := &pb.AlbumPhotosRequest{Group: gid, Id: n}
		for _, path := range rest[1:] {
			m, err := upload(path)
			if err != nil {
				return err
			}
			r.Media = append(r.Media, m)
		}
		req.Req = &pb.ClientFrame_AppAlbumAddPhotos{AppAlbumAddPhotos: r}
		return nil
	case "photos":
		p, err := page()
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_AppAlbumPhotos{AppAlbumPhotos: &pb.AlbumPhotosPage{Group: gid, Id: n, Before: p.Before, Limit: p.Limit}}
		return nil
	case "delete-photo":
		req.Req = &pb.ClientFrame_AppPhotoDelete{AppPhotoDelete: ref}
		return nil
	case "comment":
		if len(rest) != 2 {
			return usage
		}
		req.Req = &pb.ClientFrame_AppPhotoComment{AppPhotoComment: &pb.PhotoCommentRequest{Group: gid, Photo: n, Text: rest[1]}}
		return nil
	case "comments":
		req.Req = &pb.ClientFrame_AppPhotoComments{AppPhotoComments: &pb.PhotoCommentsPage{Group: gid, Photo: n}}
		return nil
	case "uncomment":
		req.Req = &pb.ClientFrame_AppPhotoCommentDelete{AppPhotoCommentDelete: ref}
		return nil
	}
	return usage
}

func albumObject(a *pb.GroupAlbum) object {
	return object{{"id", a.Id}, {"group", a.Group}, {"creator", a.Creator}, {"name", a.Name}, {"photos", a.Photos}, {"cover", a.Cover},
		{"created", when(a.Created)}, {"deleted", when(a.Deleted)}}
}

func commentObject(c *pb.PhotoComment) object {
	return object{{"id", c.Id}, {"photo", c.Photo}, {"author", c.Author}, {"text", c.Text}, {"created", when(c.Created)}}
}

// listOf converts xs with f, an empty list (not null) when there are none.
func listOf[T any](xs []T, f func(T) object) []object {
	out := make([]object, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}
