package abi

import (
	"testing"

	"plib/internal/cvalues"
)

// TestExportRecordMatchesGo checks struct plib_export (plib.h), which
// PLIB_EXPORT places in .plib.exports, against the offsets package image
// slices each record at.
func TestExportRecordMatchesGo(t *testing.T) {
	f := func(field string) string { return "offsetof(struct plib_export, " + field + ")" }
	cvalues.Check(t, `#define PLIB_LIB abi_test
#define PLIB_LIB_ID 1
#include "plib.h"`, []string{"../../guestlib/include"}, map[string]int64{
		"sizeof(struct plib_export)":             ExportRecordSize,
		"_Alignof(struct plib_export)":           8,
		f("lib_id"):                              ExportLibID,
		f("fn_id"):                               ExportFnID,
		f("lib"):                                 ExportLib,
		"sizeof(((struct plib_export *)0)->lib)": ExportLibBytes,
		f("fn"):                                  ExportFn,
		"sizeof(((struct plib_export *)0)->fn)":  ExportFnBytes,
		f("addr"):                                ExportAddr,
	})
}
