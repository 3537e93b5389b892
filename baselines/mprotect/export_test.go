package mprotect

// THPStatus is thpStatus, for the tests of package mprotect_test, which
// run the backend (and so must link it from outside).
var THPStatus = thpStatus
