# Turns one --help text (the first input file) and roff fragments (the other
# input files) into a man page. Called by scripts/gen-man with -v name=
# title= summary= date= version= commands=. POSIX awk (mawk is enough).
#
# The --help text is read as:
#   Usage: kmod-trace CMD ARGS        -> SYNOPSIS (indented lines after it too)
#   paragraphs before any heading     -> DESCRIPTION
#   "Heading:" alone on a line        -> a section; "Options:", "Foo options:"
#                                        -> OPTIONS, "Commands:" -> COMMANDS,
#                                        "Examples:" -> EXAMPLES
#   "  -x [ --long ] arg   text"      -> an option (Boost.Program_options or
#   "  -x, --long ARG      text"         GNU layout; deeper lines continue it)
#   "  name   text" under Commands    -> a command
#   a paragraph "Exit status: ..."    -> EXIT STATUS
#   a paragraph after the examples    -> NOTES
# Fragments hold ".SH NAME" sections that are appended; those from a file
# named common.roff only fill sections the --help text left empty.

function esc(s) {
	gsub(/\\/, "\\e", s)
	return s
}

# A hyphen that starts a token is a minus (options, -ENOENT); one inside a
# word (Ctrl-C, crc-itu-t) stays a hyphen.
function prose(s,    out, i, c, prev) {
	s = esc(s)
	out = ""
	prev = " "
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "-" && prev !~ /[A-Za-z0-9]/)
			out = out "\\-"
		else
			out = out c
		prev = c
	}
	return out
}

# Text meant to be typed: every hyphen is a minus.
function code(s) {
	s = esc(s)
	gsub(/-/, "\\-", s)
	return s
}

function line_out(s) {
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}

function add(section, text) {
	if (!(section in sec)) {
		sec[section] = ""
		order[++nsec] = section
	}
	sec[section] = sec[section] text "\n"
}

# SYNOPSIS arguments: options bold, PLACEHOLDERS italic.
function synopsis_args(s,    n, w, i, out, t, pre, post) {
	n = split(s, w, " ")
	out = ""
	for (i = 1; i <= n; i++) {
		t = w[i]
		pre = ""
		post = ""
		while (t ~ /^[[(]/) { pre = pre substr(t, 1, 1); t = substr(t, 2) }
		while (t ~ /[])]$/ || t ~ /\.\.\.$/) {
			if (t ~ /\.\.\.$/) { post = "..." post; t = substr(t, 1, length(t) - 3) }
			else { post = substr(t, length(t), 1) post; t = substr(t, 1, length(t) - 1) }
		}
		if (t ~ /^-/)
			t = "\\fB" code(t) "\\fR"
		else
			t = italic_caps(code(t))
		out = out (i > 1 ? " " : "") pre t post
	}
	return out
}

function italic_caps(s,    out) {
	out = ""
	while (match(s, /[A-Z][A-Z0-9_]+/)) {
		out = out substr(s, 1, RSTART - 1) "\\fI" substr(s, RSTART, RLENGTH) "\\fR"
		s = substr(s, RSTART + RLENGTH)
	}
	return out s
}

function synopsis(line,    n, w, prog, i, rest) {
	sub(/^ +/, "", line)
	n = split(line, w, " ")
	prog = w[1]
	i = 2
	if (name != prog && n >= 2 && name == prog "-" w[2]) {
		prog = prog " " w[2]
		i = 3
	}
	rest = ""
	for (; i <= n; i++)
		rest = rest (rest == "" ? "" : " ") w[i]
	if (nsyn++)
		add("SYNOPSIS", ".br")
	add("SYNOPSIS", ".B " code(prog))
	if (rest != "")
		add("SYNOPSIS", line_out(synopsis_args(rest)))
}

# "-v [ --verbose ]", "--color arg (=auto)", "-o, --out FILE" -> roff.
function option_spec(spec,    dflt, n, w, i, t, out, comma) {
	gsub(/ \[ /, ", ", spec)
	gsub(/ \]/, "", spec)
	dflt = ""
	if (match(spec, /\(=[^)]*\)/)) {
		dflt = substr(spec, RSTART + 2, RLENGTH - 3)
		spec = substr(spec, 1, RSTART - 1) substr(spec, RSTART + RLENGTH)
	}
	n = split(spec, w, " ")
	out = ""
	for (i = 1; i <= n; i++) {
		t = w[i]
		comma = ""
		if (t ~ /,$/) { comma = ","; t = substr(t, 1, length(t) - 1) }
		if (t ~ /^-/) {
			if (index(t, "=")) {
				out = out (i > 1 ? " " : "") "\\fB" code(substr(t, 1, index(t, "=") - 1)) "\\fR=\\fI" \
					code(substr(t, index(t, "=") + 1)) "\\fR" comma
				continue
			}
			t = "\\fB" code(t) "\\fR"
		} else {
			t = "\\fI" code(t) "\\fR"
		}
		out = out (i > 1 ? " " : "") t comma
	}
	if (dflt != "")
		out = out " (default: \\fI" code(dflt) "\\fR)"
	return out
}

function flush_option() {
	if (opt_spec == "")
		return
	add("OPTIONS", ".TP")
	add("OPTIONS", line_out(option_spec(opt_spec)))
	if (opt_desc != "")
		add("OPTIONS", line_out(prose(opt_desc)))
	opt_spec = ""
	opt_desc = ""
}

function flush_para() {
	if (para == "")
		return
	add(para_sec, ".PP")
	add(para_sec, line_out(prose(para)))
	para = ""
}

function flush_code() {
	if (ncode == 0)
		return
	add(code_sec, ".PP")
	add(code_sec, ".RS 4")
	add(code_sec, ".nf")
	for (ci = 1; ci <= ncode; ci++)
		add(code_sec, line_out(code(codebuf[ci])))
	add(code_sec, ".fi")
	add(code_sec, ".RE")
	ncode = 0
}

function flush_all() {
	flush_option()
	flush_para()
	flush_code()
}

function para_target() {
	if (kind == "ex")
		return "NOTES"
	return cur
}

BEGIN {
	# "-n [ --cycles ] arg (=100)", "--color arg", "-o, --out=FILE", "--jobs N"
	OPTSPEC = "^(-[A-Za-z0-9]( \\[ --[A-Za-z0-9][-A-Za-z0-9]* \\])?|--[A-Za-z0-9][-A-Za-z0-9]*)" \
		"(, --[A-Za-z0-9][-A-Za-z0-9]*)?(=[A-Z][A-Z_]*| arg| [A-Z][A-Z_]*)?( \\(=[^)]*\\))?"
	cur = "DESCRIPTION"
	kind = "text"
	in_usage = 0
	nsec = 0
	nsyn = 0
	ncode = 0
	para = ""
	opt_spec = ""
}

# ---- the --help text ----
FNR == NR && FNR == 1 {
	if ($0 !~ /^Usage: /) {
		print "gen-man: " name ": --help does not start with 'Usage: '" > "/dev/stderr"
		exit 1
	}
	line = $0
	sub(/^Usage: +/, "", line)
	synopsis(line)
	in_usage = 1
	next
}

FNR == NR {
	line = $0
	sub(/[ \t\r]+$/, "", line)
	if (in_usage) {
		if (line ~ /^ +[a-z]/) { synopsis(line); next }
		in_usage = 0
	}
	if (line == "") {
		flush_para()
		flush_code()
		if (kind == "ex_notes")
			kind = "ex"
		next
	}
	if (line ~ /^[A-Z][A-Za-z ]*:$/) {
		flush_all()
		h = substr(line, 1, length(line) - 1)
		H = toupper(h)
		if (H == "OPTIONS" || H ~ / OPTIONS$/) {
			cur = "OPTIONS"
			kind = "opts"
			if (H != "OPTIONS")
				add("OPTIONS", ".SS " prose(h))
		} else if (H == "COMMANDS") {
			cur = "COMMANDS"
			kind = "cmds"
		} else if (H == "EXAMPLES" || H == "EXAMPLE") {
			cur = "EXAMPLES"
			kind = "ex"
		} else {
			cur = H
			kind = "text"
		}
		next
	}
	if (line ~ /^[^ ]/) {
		# A paragraph of prose.
		flush_option()
		flush_code()
		if (para == "") {
			if (line ~ /^Exit status: */) {
				para_sec = "EXIT STATUS"
				sub(/^Exit status: */, "", line)
			} else {
				para_sec = para_target()
			}
			para = line
		} else {
			para = para " " line
		}
		next
	}
	# Indented lines.
	t = line
	sub(/^ +/, "", t)
	indent = length(line) - length(t)
	if (para != "" && indent >= 1 && kind != "opts" && kind != "ex") {
		# A hanging line of a paragraph: keep it in the paragraph.
		para = para " " t
		next
	}
	flush_para()
	if (kind == "opts") {
		if (t ~ /^-/ && indent < 16) {
			flush_option()
			# The spec is options and an argument; Boost leaves a single
			# space before the text when the spec fills its column.
			if (match(t, OPTSPEC)) {
				opt_spec = substr(t, 1, RLENGTH)
				opt_desc = substr(t, RLENGTH + 1)
			} else {
				i = index(t, "  ")
				opt_spec = i ? substr(t, 1, i - 1) : t
				opt_desc = i ? substr(t, i) : ""
			}
			sub(/^ +/, "", opt_desc)
		} else if (opt_spec != "") {
			opt_desc = opt_desc (opt_desc == "" ? "" : " ") t
		} else {
			codebuf[++ncode] = t
			code_sec = cur
		}
		next
	}
	if (kind == "cmds" && indent < 8 && t ~ /^[a-z]/) {
		split(t, w, " ")
		cname = w[1]
		cdesc = t
		sub(/^[^ ]+ +/, "", cdesc)
		add("COMMANDS", ".TP")
		add("COMMANDS", "\\fB" code(cname) "\\fR")
		add("COMMANDS", line_out(prose(cdesc)) ";")
		add("COMMANDS", "see \\fB" code("kmod-trace-" cname) "\\fR(8).")
		next
	}
	# Examples, and any other indented block: typed text, kept as is.
	sub(/^  /, "", line)
	codebuf[++ncode] = line
	code_sec = (kind == "ex") ? "EXAMPLES" : cur
	next
}

# ---- fragments ----
FNR == 1 {
	flush_all()
	fragment_is_common = (FILENAME ~ /(^|\/)common\.roff$/)
	if (fragment_is_common)
		for (s in sec)
			filled[s] = 1
	fsec = ""
}
/^\.SH / {
	fsec = $0
	sub(/^\.SH +/, "", fsec)
	gsub(/"/, "", fsec)
	skip = fragment_is_common && (fsec in filled)
	next
}
fsec != "" && !skip {
	add(fsec, $0)
}

END {
	flush_all()
	if (nsyn == 0)
		exit 1
	nm = summary
	sub(/\.$/, "", nm)
	nm = tolower(substr(nm, 1, 1)) substr(nm, 2)
	print ".\\\" Generated by scripts/gen-man from the --help text of kmod-trace"
	print ".\\\" and the fragments in man/; edit those, not this file."
	printf ".TH %s 8 \"%s\" \"kmod-trace %s\" \"System Administration\"\n", title, date, version
	print ".SH NAME"
	print code(name) " \\- " prose(nm)
	# SEE ALSO: the other pages of the family first.
	see = ""
	if (name == "kmod-trace") {
		n = split(commands, cl, " ")
		for (i = 1; i <= n; i++)
			see = see ".BR " code("kmod-trace-" cl[i]) " (8),\n"
	} else {
		see = ".BR kmod\\-trace (8),\n"
	}
	sec["SEE ALSO"] = see (("SEE ALSO" in sec) ? sec["SEE ALSO"] : "")
	ncanon = split("SYNOPSIS|DESCRIPTION|COMMANDS|OPTIONS", canon, "|")
	for (i = 1; i <= ncanon; i++) {
		if (canon[i] in sec) { emit(canon[i]); done[canon[i]] = 1 }
	}
	ntail = split("EXIT STATUS|ENVIRONMENT|FILES|NOTES|EXAMPLES|SEE ALSO", tail, "|")
	for (i = 1; i <= ntail; i++) late[tail[i]] = 1
	for (i = 1; i <= nsec; i++)
		if (!(order[i] in done) && !(order[i] in late)) { emit(order[i]); done[order[i]] = 1 }
	for (i = 1; i <= ntail; i++)
		if (tail[i] in sec) emit(tail[i])
}

function emit(s,    body) {
	body = sec[s]
	print ".SH " s
	# A section's first paragraph needs no .PP after .SH.
	if (substr(body, 1, 4) == ".PP\n")
		body = substr(body, 5)
	printf "%s", body
}
