#!/usr/bin/env bats
# Bash completion of berth and berth-audit: sourced as bash-completion would, then asked for
# completions the way bash asks (COMP_WORDS/COMP_CWORD, the function that 'complete -p' names).

load admin

setup() {
	setup_tree
	for n in web db db-replica; do
		printf '[Container]\n' | put "$ETC/$n.conf"
	done
	printf '[Container]\n' | put "$USR/mail.conf"
	: >"$RUN/gone.conf"                    # masked: still a name one may 'cat'
	printf 'x\n' | put "$ETC/notes.txt"    # not an entry
	printf 'x\n' | put "$ETC/.hidden.conf" # hidden: ignored
	printf 'x\n' | put "$ETC/-bad.conf"    # invalid name
	mkdir -p "$ETC/web.conf.d"
	printf '[Container]\n' | put "$ETC/web.conf.d/10-x.conf"
}

teardown() {
	teardown_tree
}

# complete_words FILE WORD...: the completions bash would offer for the command line WORD...
# (the last word being the one completed), one a line, sorted.
complete_words() {
	local file=$1
	shift
	bash --norc --noprofile -c '
		source "$1" || exit 1
		shift
		spec=$(complete -p "$1") || exit 1
		func=$(sed -n "s/.* -F \([^ ]*\) .*/\1/p" <<<"$spec")
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		"$func" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort' \
		bash "$BERTH_SOURCE_ROOT/completion/$file" "$@"
}

@test "complete -p names the completion function of each program" {
	run bash --norc -c "source '$BERTH_SOURCE_ROOT/completion/berth' && complete -p berth"
	assert_success
	assert_output "complete -F _berth berth"
	run bash --norc -c "source '$BERTH_SOURCE_ROOT/completion/berth-audit' && complete -p berth-audit"
	assert_success
	assert_output "complete -F _berth_audit berth-audit"
}

@test "berth: commands first" {
	run complete_words berth berth ''
	assert_success
	assert_output $'cat\ncheck\nimage\nlist'
	run complete_words berth berth c
	assert_output $'cat\ncheck'
	run complete_words berth berth --json l
	assert_output 'list'
}

@test "berth: options, before and after the command" {
	run complete_words berth berth --n
	assert_output $'--no-legend\n--no-pager'
	run complete_words berth berth list --j
	assert_output '--json'
	run complete_words berth berth -
	assert_line -- '--help'
	assert_line -- '--version'
}

@test "berth cat/check: entry names of the whole search path, valid ones only" {
	run complete_words berth berth cat ''
	assert_success
	assert_output $'db\ndb-replica\ngone\nmail\nweb'
	run complete_words berth berth check db
	assert_output $'db\ndb-replica'
	run complete_words berth berth --no-pager check web ''
	assert_output $'db\ndb-replica\ngone\nmail\nweb'
}

@test "berth image: its commands, then entry names for remove and refresh" {
	run complete_words berth berth image ''
	assert_success
	assert_output $'list\nrefresh\nremove'
	run complete_words berth berth --json image l
	assert_output list
	run complete_words berth berth image remove d
	assert_output $'db\ndb-replica'
	run complete_words berth berth image refresh web ''
	assert_output $'db\ndb-replica\ngone\nmail\nweb'
	run complete_words berth berth image list ''
	assert_output ''
}

@test "berth list takes no names" {
	run complete_words berth berth list ''
	assert_success
	assert_output ''
}

@test "berth: the default search path when BERTH_CONFIG_PATH is not set" {
	run env -u BERTH_CONFIG_PATH bash --norc -c "source '$BERTH_SOURCE_ROOT/completion/berth' && declare -f _berth_entry_names"
	assert_success
	assert_output --partial "/etc/containers.d:/run/containers.d:/usr/local/lib/containers.d:/usr/lib/containers.d"
}

@test "berth-audit: commands, per-command options, policy values" {
	run complete_words berth-audit berth-audit ''
	assert_output $'check\nfix'
	run complete_words berth-audit berth-audit check --
	assert_output $'--container=\n--help\n--json\n--policy=\n--root=\n--version'
	run complete_words berth-audit berth-audit fix --
	assert_output $'--dry-run\n--help\n--root=\n--version'
	# bash splits at '=': "--policy=r" arrives as "--policy" "=" "r".
	run complete_words berth-audit berth-audit check --policy = r
	assert_output 'refuse'
	run complete_words berth-audit berth-audit check --policy =
	assert_output $'ignore\nrefuse\nwarn'
}

@test "berth-audit --container= completes entry names" {
	run complete_words berth-audit berth-audit check --container = w
	assert_success
	assert_output 'web'
}
