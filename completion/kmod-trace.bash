# bash completion for kmod-trace(8).
#
# The commands and each command's options are read from the program's own
# --help (once per shell), so the completion cannot drift from the program;
# the lists below are only a fallback for a kmod-trace that cannot be run.

_kmod_trace_fallback_commands="load unload watch info doctor bench compare storm"
_kmod_trace_fallback_options="--json --color --verbose -v --quiet -q --ringbuf-size --help -h"
declare -gA _kmod_trace_opts_cache=() _kmod_trace_args_cache=()

# The commands listed under "Commands:" in `kmod-trace --help`.
_kmod_trace_commands()
{
	if [[ -z ${_kmod_trace_cmds_cache-} ]]; then
		_kmod_trace_cmds_cache=$(LC_ALL=C "$1" --help 2>/dev/null | awk '
			/^[A-Za-z][A-Za-z ]*:$/ {inside = ($0 == "Commands:"); next}
			inside && /^  [a-z]/ {printf "%s ", $1}')
		[[ -n $_kmod_trace_cmds_cache ]] || _kmod_trace_cmds_cache=$_kmod_trace_fallback_commands
	fi
	printf '%s\n' "$_kmod_trace_cmds_cache"
}

# Fills the caches for command $2: every option it lists, and those that take
# a value (Boost's "--opt arg", or "--opt=VALUE" / "--opt VALUE").
_kmod_trace_load_options()
{
	local prog=$1 cmd=$2 help line spec t opts=" " args=" " has_arg in_opts=0
	[[ -n ${_kmod_trace_opts_cache[$cmd]-} ]] && return 0
	help=$(LC_ALL=C "$prog" "$cmd" --help 2>/dev/null)
	while IFS= read -r line; do
		# Only the "Options:" (or "... options:") blocks, not the examples.
		if [[ $line =~ ^[A-Za-z][A-Za-z\ ]*:$ ]]; then
			[[ ${line,,} == *options: ]] && in_opts=1 || in_opts=0
			continue
		fi
		[[ $in_opts = 1 && $line =~ ^\ {1,15}- ]] || continue
		spec=${line#"${line%%[! ]*}"}
		spec=${spec%%  *}
		has_arg=0
		[[ $spec =~ (^|[\ =])(arg|[A-Z][A-Z_]*)([\ ]|$) ]] && has_arg=1
		for t in ${spec//[\[\],=]/ }; do
			[[ $t =~ ^--?[A-Za-z0-9][-A-Za-z0-9]*$ && $opts != *" $t "* ]] || continue
			opts+="$t "
			[[ $has_arg = 1 ]] && args+="$t "
		done
	done <<<"$help"
	[[ $opts != " " ]] || opts=" $_kmod_trace_fallback_options "
	_kmod_trace_opts_cache[$cmd]=$opts
	_kmod_trace_args_cache[$cmd]=$args
}

# Names of the loaded modules.
_kmod_trace_loaded()
{
	[[ -r /proc/modules ]] && awk '{print $1}' /proc/modules
}

# Names of the modules of the running kernel (what load NAME resolves).
_kmod_trace_available()
{
	local dep=/lib/modules/$(uname -r)/modules.dep
	[[ -r $dep ]] && awk -F: '{n = $1; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n); print n}' "$dep"
}

# Files that may be modules, and directories to descend into.
_kmod_trace_module_files()
{
	if declare -F _filedir >/dev/null; then
		_filedir '@(ko|ko.xz|ko.zst|ko.gz)'
	else
		local IFS=$'\n'
		COMPREPLY+=($(compgen -d -- "$cur") $(compgen -f -X '!*.@(ko|ko.xz|ko.zst|ko.gz)' -- "$cur"))
	fi
}

_kmod_trace_files()
{
	if declare -F _filedir >/dev/null; then
		_filedir "$@"
	else
		local IFS=$'\n'
		if [[ ${1-} == -d ]]; then
			COMPREPLY+=($(compgen -d -- "$cur"))
		else
			COMPREPLY+=($(compgen -f -- "$cur"))
		fi
	fi
}

_kmod_trace()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion -n = || return
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
	fi
	COMPREPLY=()
	local prog=${words[0]} cmd= i
	# An unqualified name runs what PATH finds; so does the completion.
	type -P "$prog" >/dev/null 2>&1 || [[ -x $prog ]] || prog=kmod-trace

	for ((i = 1; i < cword; i++)); do
		if [[ ${words[i]} != -* ]]; then
			cmd=${words[i]}
			break
		fi
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--version -V --help -h" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_kmod_trace_commands "$prog")" -- "$cur"))
		fi
		return 0
	fi

	_kmod_trace_load_options "$prog" "$cmd"
	local opts=${_kmod_trace_opts_cache[$cmd]} takes=${_kmod_trace_args_cache[$cmd]}

	# --opt=VALUE
	local opt=$prev
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		cur=${cur#*=}
	elif [[ $takes != *" $prev "* ]]; then
		opt=
	fi
	if [[ -n $opt ]]; then
		case $opt in
		--color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")) ;;
		--syscall) COMPREPLY=($(compgen -W "finit init" -- "$cur")) ;;
		--kernel-dir|--*dir) _kmod_trace_files -d ;;
		--functions|--duration|--interval|--filter|--ringbuf-size|--jobs|-j|--runs|--count|--iterations|--warmup|--threshold|--concurrency|-c|--repeat|-r) ;;
		*) _kmod_trace_files ;;
		esac
		return 0
	fi

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return 0
	fi

	# Positional arguments.
	local npos=0
	for ((i = i + 1; i < cword; i++)); do
		[[ ${words[i]} == -* ]] && continue
		[[ $takes == *" ${words[i-1]} "* ]] && continue
		npos=$((npos + 1))
	done
	case $cmd in
	unload)
		COMPREPLY=($(compgen -W "$(_kmod_trace_loaded)" -- "$cur")) ;;
	load|bench)
		# The module first (a file, or a name of the running kernel's); then
		# PARAM=VALUE, which we cannot guess.
		if [[ $npos -eq 0 ]]; then
			_kmod_trace_module_files
			[[ $cur != */* && $cur != .* ]] &&
				COMPREPLY+=($(compgen -W "$(_kmod_trace_available)" -- "$cur"))
		fi ;;
	info|doctor|storm)
		_kmod_trace_module_files ;;
	watch) ;;
	*)
		_kmod_trace_files ;;
	esac
	return 0
} &&
	complete -F _kmod_trace kmod-trace
