#!/usr/bin/awk -f
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The man pages are made from docs/*.md (one source of truth): this converts
# the Markdown those files use into man(7) roff with tbl(1) tables.
#   awk -v name=steerctl -v section=8 -v desc="control steerd" \
#       -v date=2026-01-01 -v version=0.1.0 -f scripts/md2man.awk docs/steerctl.md
# Handled: the first "# " title (becomes NAME: "name \- desc"), "## " (.SH,
# upper case), "### " (.SS), paragraphs, ``` blocks (.nf), "- " lists
# (nested by indent), | tables | (tbl), `code` and **bold** (bold),
# [text](link) (the text), <!-- comments --> (dropped). Nothing else.

function esc(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	return s
}

# inline markup of one line of text
function inline(s,    out, pre, m) {
	s = esc(s)
	# links: [text](target) -> text
	while (match(s, /\[[^]]*\]\([^)]*\)/)) {
		m = substr(s, RSTART, RLENGTH)
		sub(/\]\(.*/, "", m)
		s = substr(s, 1, RSTART - 1) substr(m, 2) substr(s, RSTART + RLENGTH)
	}
	out = ""
	while (match(s, /`[^`]*`/)) {
		out = out substr(s, 1, RSTART - 1) "\\fB" substr(s, RSTART + 1, RLENGTH - 2) "\\fR"
		s = substr(s, RSTART + RLENGTH)
	}
	s = out s
	out = ""
	while (match(s, /\*\*[^*]+\*\*/)) {
		out = out substr(s, 1, RSTART - 1) "\\fB" substr(s, RSTART + 2, RLENGTH - 4) "\\fR"
		s = substr(s, RSTART + RLENGTH)
	}
	return out s
}

# a line of text, never starting with a control character
function text(s) {
	s = inline(s)
	if (s ~ /^[.']/)
		s = "\\&" s
	print s
}

function end_table(   i) {
	if (!in_table)
		return
	in_table = 0
	if (!as_list)
		print ".TE"
	para = 1
}

# A table of more than three columns is too wide for 80 columns: each row
# becomes a tagged paragraph, the first cell its tag and the others
# "HEADER: value" lines.
function row_list(n, cells,    i, c) {
	print ".TP"
	c = cells[1]
	gsub(/^ +| +$/, "", c)
	print "\\fB" inline(c) "\\fR"
	for (i = 2; i <= n; i++) {
		c = cells[i]
		gsub(/^ +| +$/, "", c)
		if (c == "")
			continue
		if (i > 2)
			print ".br"
		text((head[i] != "" ? head[i] ": " : "") c)
	}
}

# a break point in every 12 hex digits of a run (commit ids in narrow cells)
function break_hex(s,    out, h12) {
	h12 = "[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]"
	h12 = h12 h12
	out = ""
	while (match(s, h12 "[0-9a-f]")) {
		out = out substr(s, 1, RSTART + 11) "\\:"
		s = substr(s, RSTART + 12)
	}
	return out s
}

function row(s, is_head,    n, cells, i, line, c) {
	sub(/^ *\|/, "", s)
	sub(/\| *$/, "", s)
	n = split(s, cells, /\|/)
	if (!in_table) {
		in_table = 1
		ncols = n
		as_list = n > 3
		if (as_list) {
			for (i = 1; i <= n; i++) {
				head[i] = cells[i]
				gsub(/^ +| +$/, "", head[i])
				gsub(/`/, "", head[i])
			}
			print ".PP"
			return
		}
		print ".TS"
		print "allbox tab(\t);"
		line = ""
		for (i = 1; i <= n; i++)
			line = line (i > 1 ? " " : "") "lx"
		print line "."
	}
	if (as_list) {
		row_list(n, cells)
		return
	}
	line = ""
	for (i = 1; i <= ncols; i++) {
		c = cells[i]
		gsub(/^ +| +$/, "", c)
		c = inline(c)
		# narrow cells: break long paths and lists after / | , = _ : (\:) and do
		# not stretch the words (.na), else troff warns for each
		gsub(/[\/|,=_:]/, "&\\:", c)
		c = break_hex(c)
		if (is_head && c != "")
			c = "\\fB" c "\\fR"
		line = line (i > 1 ? "\t" : "") "T{\n.na\n" c "\nT}"
	}
	print line
}

BEGIN {
	up = toupper(name)
	print "'\\\" t"
	print ".\\\" Generated from docs by scripts/md2man.awk: edit the Markdown, not this."
	printf ".TH %s %s \"%s\" \"steer %s\" \"steer\"\n", up, section, date, version
	print ".SH NAME"
	print name " \\- " desc
	in_code = 0; in_table = 0; titled = 0; in_comment = 0; pending_head = 0
}

# comments (one line or several)
in_comment { if ($0 ~ /-->/) in_comment = 0; next }
/^<!--/ { if ($0 !~ /-->/) in_comment = 1; next }

/^```/ {
	end_table()
	if (in_code) { print ".fi"; print ".RE"; in_code = 0 }
	else { print ".PP"; print ".RS 4"; print ".nf"; in_code = 1 }
	next
}
in_code {
	s = esc($0)
	if (s ~ /^[.']/)
		s = "\\&" s
	print s
	next
}

/^# / && !titled { titled = 1; print ".SH DESCRIPTION"; next }
/^## / {
	end_table()
	s = substr($0, 4)
	gsub(/`/, "", s)
	print ".SH \"" toupper(esc(s)) "\""
	next
}
/^### / {
	end_table()
	s = substr($0, 5)
	gsub(/`/, "", s)
	print ".SS \"" esc(s) "\""
	next
}

/^ *\|/ {
	if ($0 ~ /^ *\|[-: |]+\| *$/) { head_row = 0; next } # the separator
	if (!in_table) {
		row($0, 1)
	} else {
		row($0, 0)
	}
	next
}
{ end_table() }

/^[ \t]*$/ { para = 1; next }

# list items, nested by their indent (two spaces a level)
/^ *[-*] / {
	match($0, /^ */)
	lvl = int(RLENGTH / 2)
	s = $0
	sub(/^ *[-*] /, "", s)
	if (lvl > 0) { print ".RS " (lvl * 2) }
	print ".IP \\(bu 2"
	text(s)
	if (lvl > 0) { print ".RE" }
	para = 0
	next
}
/^ *[0-9]+\. / {
	s = $0
	n = s
	sub(/\..*/, "", n)
	gsub(/ /, "", n)
	sub(/^ *[0-9]+\. /, "", s)
	print ".IP " n ". 4"
	text(s)
	para = 0
	next
}

{
	if (para) { print ".PP"; para = 0 }
	s = $0
	sub(/^ +/, "", s)
	text(s)
}

END { end_table(); if (in_code) print ".fi" }
