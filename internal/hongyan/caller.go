package hongyan

// Caller is the authenticated identity behind a request: a user on one of
// their devices. Services take it explicitly and authorise every action
// against it.
type Caller struct {
	User   UserID
	Device DeviceID
}
