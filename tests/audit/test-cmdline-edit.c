/* Unit tests of berth-audit's pure parts: the GRUB and /etc/kernel/cmdline editors, the kernel
 * command line lookup, the unified diff and the JSON string escaper. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit-util.h"
#include "cmdline-edit.h"
#include "tests.h"

#define ELEMENTSOF_(x) (sizeof(x) / sizeof((x)[0]))

typedef struct EditCase {
        const char *in;
        const char *out; /* NULL: unchanged (returns 0) */
        const char *error; /* non-NULL: -EBADMSG with this text in the message */
        unsigned line; /* of the error */
} EditCase;

static const EditCase grub_cases[] = {
        { "GRUB_CMDLINE_LINUX=\"\"\n", "GRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX=\"quiet\"\n", "GRUB_CMDLINE_LINUX=\"quiet audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX=\"quiet \"\n", "GRUB_CMDLINE_LINUX=\"quiet audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX='quiet splash'\n", "GRUB_CMDLINE_LINUX='quiet splash audit=0'\n" },
        { "GRUB_CMDLINE_LINUX=quiet\n", "GRUB_CMDLINE_LINUX=\"quiet audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX=\n", "GRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX=", "GRUB_CMDLINE_LINUX=\"audit=0\"" },
        { "GRUB_CMDLINE_LINUX=\"foo=\\\"a b\\\" quiet\"\n",
                "GRUB_CMDLINE_LINUX=\"foo=\\\"a b\\\" quiet audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX=\"audit=1 quiet\"\n", "GRUB_CMDLINE_LINUX=\"audit=0 quiet\"\n" },
        { "GRUB_CMDLINE_LINUX=\"quiet audit=yes\"\n", "GRUB_CMDLINE_LINUX=\"quiet audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX=\"audit=1 a audit=1\"\n", "GRUB_CMDLINE_LINUX=\"audit=0 a audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX=\"quiet audit=\"\n", "GRUB_CMDLINE_LINUX=\"quiet audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX='audit=1'\n", "GRUB_CMDLINE_LINUX='audit=0'\n" },
        { "GRUB_CMDLINE_LINUX=audit=1\n", "GRUB_CMDLINE_LINUX=audit=0\n" },
        { "GRUB_CMDLINE_LINUX=\"\\\"audit=1\\\" x\"\n", "GRUB_CMDLINE_LINUX=\"\\\"audit=0\\\" x\"\n" },
        { "GRUB_CMDLINE_LINUX='\"audit=1\" x'\n", "GRUB_CMDLINE_LINUX='\"audit=0\" x'\n" },
        { "GRUB_CMDLINE_LINUX=\"audit=\\\"1\\\"\"\n", "GRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX=\"quiet audit=0\"\n", NULL },
        { "GRUB_CMDLINE_LINUX=\"quiet audit=OFF\"\n", NULL },
        { "GRUB_CMDLINE_LINUX=\"audit=1 audit=0\"\n", "GRUB_CMDLINE_LINUX=\"audit=0 audit=0\"\n" },
        /* the last assignment wins in sh */
        { "GRUB_CMDLINE_LINUX=\"a\"\nGRUB_CMDLINE_LINUX=\"b\"\n",
                "GRUB_CMDLINE_LINUX=\"a\"\nGRUB_CMDLINE_LINUX=\"b audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX=\"audit=0\"\nGRUB_CMDLINE_LINUX=\"b\"\n",
                "GRUB_CMDLINE_LINUX=\"audit=0\"\nGRUB_CMDLINE_LINUX=\"b audit=0\"\n" },
        { "#GRUB_CMDLINE_LINUX=\"audit=1\"\nGRUB_CMDLINE_LINUX=\"x\"\n",
                "#GRUB_CMDLINE_LINUX=\"audit=1\"\nGRUB_CMDLINE_LINUX=\"x audit=0\"\n" },
        { "  # GRUB_CMDLINE_LINUX=\"x\"\n",
                "  # GRUB_CMDLINE_LINUX=\"x\"\nGRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        { "GRUB_TIMEOUT=5\n", "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        { "GRUB_TIMEOUT=5", "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        { "", "GRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        /* GRUB puts GRUB_CMDLINE_LINUX_DEFAULT after it: an audit=1 there would win */
        { "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet audit=1\"\nGRUB_CMDLINE_LINUX=\"\"\n",
                "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet audit=0\"\nGRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet audit=1\"\nGRUB_CMDLINE_LINUX=\"audit=0\"\n",
                "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet audit=0\"\nGRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\nGRUB_CMDLINE_LINUX=\"audit=0\"\n", NULL },
        { "export GRUB_CMDLINE_LINUX=\"x\"\n", "export GRUB_CMDLINE_LINUX=\"x audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX=\"x\"\nexport GRUB_CMDLINE_LINUX\n",
                "GRUB_CMDLINE_LINUX=\"x audit=0\"\nexport GRUB_CMDLINE_LINUX\n" },
        { "GRUB_CMDLINE_LINUX=\"x\" # comment\n", "GRUB_CMDLINE_LINUX=\"x audit=0\" # comment\n" },
        { "GRUB_CMDLINE_LINUX=\"x\"; GRUB_TIMEOUT=1\n",
                "GRUB_CMDLINE_LINUX=\"x audit=0\"; GRUB_TIMEOUT=1\n" },
        { "GRUB_CMDLINE_LINUX=\"a\"'b'\n", "GRUB_CMDLINE_LINUX=\"a\"'b audit=0'\n" },
        { "GRUB_CMDLINE_LINUX=a\\ b\n", "GRUB_CMDLINE_LINUX=a\\ b\" audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX=\"a\nb\"\n", "GRUB_CMDLINE_LINUX=\"a\nb audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX=\"a \\\nb\"\n", "GRUB_CMDLINE_LINUX=\"a \\\nb audit=0\"\n" },
        { "GRUB_CMDLINE_LINUX=\"x\"\r\n", "GRUB_CMDLINE_LINUX=\"x audit=0\"\r\n" },
        /* lines that are not our assignments are kept, whatever they are */
        { "hello world\nif true; then\n  :\nfi\n. /etc/x\nGRUB_CMDLINE_LINUX=\"\"\nGRUB_CMDLINE_LINUX_DEFAULT=q\n",
                "hello world\nif true; then\n  :\nfi\n. /etc/x\nGRUB_CMDLINE_LINUX=\"audit=0\"\n"
                "GRUB_CMDLINE_LINUX_DEFAULT=q\n" },
        /* other variables in blocks, lists, functions and here-documents are not ours */
        { "if [ -e /x ]; then GRUB_TERMINAL=serial; fi\nGRUB_CMDLINE_LINUX=\"quiet\"\n",
                "if [ -e /x ]; then GRUB_TERMINAL=serial; fi\nGRUB_CMDLINE_LINUX=\"quiet audit=0\"\n" },
        { "case $x in a|b) GRUB_TIMEOUT=1;; (*) :;; esac\nGRUB_CMDLINE_LINUX=\"\"\n",
                "case $x in a|b) GRUB_TIMEOUT=1;; (*) :;; esac\nGRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        { "f() { echo \"$GRUB_CMDLINE_LINUX ${GRUB_CMDLINE_LINUX}\"; return 0; }\nGRUB_CMDLINE_LINUX=a\n",
                "f() { echo \"$GRUB_CMDLINE_LINUX ${GRUB_CMDLINE_LINUX}\"; return 0; }\n"
                "GRUB_CMDLINE_LINUX=\"a audit=0\"\n" },
        { "cat <<EOF >/dev/null\nit's \"fine\n\tEOF\nEOF\nGRUB_CMDLINE_LINUX=\"quiet\"\n",
                "cat <<EOF >/dev/null\nit's \"fine\n\tEOF\nEOF\nGRUB_CMDLINE_LINUX=\"quiet audit=0\"\n" },
        { "cat <<-'E' && true\n\tx'\n\tE\nGRUB_CMDLINE_LINUX=q\n",
                "cat <<-'E' && true\n\tx'\n\tE\nGRUB_CMDLINE_LINUX=\"q audit=0\"\n" },
        { "GRUB_DISTRIBUTOR=`( . /etc/os-release; echo ${NAME:-Ubuntu} ) 2>/dev/null || echo Ubuntu`\n"
          "GRUB_CMDLINE_LINUX=\"\"\n",
                "GRUB_DISTRIBUTOR=`( . /etc/os-release; echo ${NAME:-Ubuntu} ) 2>/dev/null || echo Ubuntu`\n"
                "GRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        { "X=$(echo \"a)\" # )\n)\nGRUB_CMDLINE_LINUX=q\n",
                "X=$(echo \"a)\" # )\n)\nGRUB_CMDLINE_LINUX=\"q audit=0\"\n" },
        { "for x in a b; do GRUB_TIMEOUT=$x; done\nfor y\ndo :; done\nwhile read z; do :; done </dev/null\n"
          "GRUB_CMDLINE_LINUX=q\n",
                "for x in a b; do GRUB_TIMEOUT=$x; done\nfor y\ndo :; done\nwhile read z; do :; done </dev/null\n"
                "GRUB_CMDLINE_LINUX=\"q audit=0\"\n" },
        { "function f() { :; }\nfunction g ( : )\nGRUB_X=$((1<<2))\nGRUB_CMDLINE_LINUX=q\n",
                "function f() { :; }\nfunction g ( : )\nGRUB_X=$((1<<2))\nGRUB_CMDLINE_LINUX=\"q audit=0\"\n" },
        { ". /etc/x\nGRUB_CMDLINE_LINUX_DEFAULT=\"audit=1\"\nGRUB_CMDLINE_LINUX=r\n",
                ". /etc/x\nGRUB_CMDLINE_LINUX_DEFAULT=\"audit=0\"\nGRUB_CMDLINE_LINUX=\"r audit=0\"\n" },
        { "GRUB_X=\"$(oops)\"\nGRUB_CMDLINE_LINUX=\"\"\n",
                "GRUB_X=\"$(oops)\"\nGRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        { "  GRUB_CMDLINE_LINUX=\"x\"\n", "  GRUB_CMDLINE_LINUX=\"x audit=0\"\n" },
        /* errors */
        { "GRUB_CMDLINE_LINUX=\"unterminated\n", NULL, "never closed", 1 },
        { "A=1\nGRUB_CMDLINE_LINUX+=\"x\"\n", NULL, "is not assigned as GRUB_CMDLINE_LINUX=VALUE", 2 },
        { "GRUB_CMDLINE_LINUX audit=1\n", NULL, "is not assigned as", 1 },
        { "GRUB_CMDLINE_LINUX = \"x\"\n", NULL, "is not assigned as", 1 },
        { "GRUB_CMDLINE_LINUX=\"x\" foo\n", NULL, "unexpected text after the value of GRUB_CMDLINE_LINUX",
                1 },
        { "\n\nGRUB_CMDLINE_LINUX=\"$(cat /x)\"\n", NULL, "$(...)", 3 },
        { "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX quiet\"\n", NULL, "uses an expansion ($", 1 },
        /* the review's attacks: the variable set where a plain edit cannot see the whole story */
        { "if true; then GRUB_CMDLINE_LINUX=\"root=/dev/vda1 rd.luks.uuid=abc\"; fi\n", NULL,
                "GRUB_CMDLINE_LINUX is assigned inside an 'if' block (opened on line 1)", 1 },
        { "if [ -e /x ]; then\n  GRUB_CMDLINE_LINUX=\"a\"\nelse\n  GRUB_CMDLINE_LINUX=\"b\"\nfi\n", NULL,
                "assigned inside an 'if' block (opened on line 1)", 2 },
        { "true && GRUB_CMDLINE_LINUX=\"root=/dev/vda1\"\n", NULL, "assigned after '&&'", 1 },
        { "true ||\n  GRUB_CMDLINE_LINUX=\"root=/dev/vda1\"\n", NULL, "assigned after '||'", 2 },
        { "GRUB_CMDLINE_LINUX=\"root=/dev/vda1\" && true\n", NULL, "assigned before '&&'", 1 },
        { "case $x in *) GRUB_CMDLINE_LINUX=\"root=/dev/vda1\";; esac\n", NULL,
                "assigned inside a 'case' block (opened on line 1)", 1 },
        { "{ GRUB_CMDLINE_LINUX=\"root=/dev/vda1\"; }\n", NULL, "assigned inside a '{ ... }' group", 1 },
        { "( GRUB_CMDLINE_LINUX=\"x\" )\n", NULL, "assigned inside a '( ... )' subshell", 1 },
        { "set_it() {\n  GRUB_CMDLINE_LINUX=\"root=/dev/vda1\"\n}\nset_it\n", NULL,
                "assigned inside a function body (opened on line 1)", 2 },
        { "function f { GRUB_CMDLINE_LINUX=x; }\n", NULL, "inside a function body", 1 },
        { "while false; do GRUB_CMDLINE_LINUX=x; done\n", NULL, "inside a 'while', 'until' or 'for' loop",
                1 },
        { "GRUB_CMDLINE_LINUX=\"x\" | cat\n", NULL, "in a pipeline", 1 },
        { "GRUB_CMDLINE_LINUX=\"x\" &\n", NULL, "in a background command", 1 },
        { "! GRUB_CMDLINE_LINUX=\"x\"\n", NULL, "after '!'", 1 },
        { "GRUB_CMDLINE_LINUX=\"x\" >/dev/null\n", NULL, "assigned with a redirection", 1 },
        { "cat <<EOF >/dev/null\nGRUB_CMDLINE_LINUX=\"quiet\"\nEOF\nGRUB_CMDLINE_LINUX=\"audit=1\"\n", NULL,
                "GRUB_CMDLINE_LINUX appears in the body of a here-document (started on line 1)", 2 },
        { "cat <<EOF\nx\n", NULL, "here-document opened here is never closed", 1 },
        { "AUDIT=\"audit=1\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet $AUDIT\"\n", NULL, "uses an expansion ($",
                2 },
        { "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet ${AUDIT}\"\n", NULL, "uses an expansion ($", 1 },
        { "GRUB_CMDLINE_LINUX=~root\n", NULL, "unquoted '~'", 1 },
        { "readonly GRUB_CMDLINE_LINUX=\"root=/dev/vda1\"\n", NULL,
                "GRUB_CMDLINE_LINUX is used by the command 'readonly'", 1 },
        { "GRUB_CMDLINE_LINUX=x\nreadonly GRUB_CMDLINE_LINUX\n", NULL, "used by the command 'readonly'", 2 },
        { "declare GRUB_CMDLINE_LINUX=x\n", NULL, "used by the command 'declare'", 1 },
        { "local GRUB_CMDLINE_LINUX_DEFAULT=x\n", NULL,
                "GRUB_CMDLINE_LINUX_DEFAULT is used by the command 'local'", 1 },
        { "read GRUB_CMDLINE_LINUX </x\n", NULL, "used by the command 'read'", 1 },
        { ": ${GRUB_CMDLINE_LINUX:=audit=1}\n", NULL, "used by the command ':'", 1 },
        { "X=$((GRUB_CMDLINE_LINUX=1))\n", NULL, "used in a way berth-audit does not understand", 1 },
        { "for GRUB_CMDLINE_LINUX in a; do :; done\n", NULL, "inside a 'while', 'until' or 'for' loop", 1 },
        { "export A=1 GRUB_CMDLINE_LINUX=x\n", NULL, "used by the command 'export'", 1 },
        { "GRUB_CMDLINE_LINUX=x echo hi\n", NULL, "unexpected text after the value", 1 },
        { "GRUB_CMDLINE_LINUX=\"x\"\n. /etc/default/grub.local\n", NULL,
                "'.' runs code berth-audit cannot read, and no plain GRUB_CMDLINE_LINUX=VALUE line follows",
                2 },
        { "source /x\nGRUB_CMDLINE_LINUX=\"x\"\n", NULL, "no plain GRUB_CMDLINE_LINUX_DEFAULT=VALUE line",
                1 },
        { "GRUB_CMDLINE_LINUX=\"x\"\neval \"$X\"\n", NULL, "'eval' runs code", 2 },
        { "f() { . /x; }\nGRUB_CMDLINE_LINUX=x\nGRUB_CMDLINE_LINUX_DEFAULT=x\n", NULL, "'.' in a function",
                1 },
        { "GRUB_TIMEOUT=5\nexit 0\n", NULL, "'exit' can stop the shell", 2 },
        /* what sh sees through quotes, escapes and line continuations */
        { "\"exit\"\nGRUB_CMDLINE_LINUX=a\n", NULL, "'exit' can stop the shell", 1 },
        { "e\\\nxit\nGRUB_CMDLINE_LINUX=a\n", NULL, "'exit' can stop the shell", 1 },
        { "command ev'al' \"$X\"\nGRUB_CMDLINE_LINUX=a\n", NULL, "'eval' runs code", 1 },
        { "f() { exit; }\nf\nGRUB_CMDLINE_LINUX=a\n", NULL, "'exit' can stop the shell", 1 },
        { "f() { return 0; }\nGRUB_CMDLINE_LINUX=a\n",
                "f() { return 0; }\nGRUB_CMDLINE_LINUX=\"a audit=0\"\n" },
        { "$cmd\nGRUB_CMDLINE_LINUX=a\n", NULL, "the name of this command is computed", 1 },
        { "alias x=y\nGRUB_CMDLINE_LINUX=a\n", NULL, "'alias' can change", 1 },
        { "export GRUB_CMDLINE_\"LINUX\"=\"root=/dev/vda1\"\n", NULL,
                "GRUB_CMDLINE_LINUX is spelled with quotes", 1 },
        { "GRUB_CMDLINE_LINUX=a\nreadonly GRUB_CMDLINE_\\\nLINUX\n", NULL,
                "spelled with quotes, backslashes", 2 },
        { "export GRUB_CMDLINE_LINUX''_DEFAULT=x\n", NULL, "GRUB_CMDLINE_LINUX_DEFAULT is spelled", 1 },
        { "cat <<E\nGRUB_CMDLINE_\\\nLINUX\nE\n", NULL, "spelled with quotes", 2 },
        { "[ -f /x ] && return\nGRUB_CMDLINE_LINUX=a\n", NULL, "'return' can stop the shell", 1 },
        { "if true; then\nGRUB_TIMEOUT=1\n", NULL, "an 'if' block opened here is never closed", 1 },
        { "true &&\n", NULL, "ends in the middle of a command", 1 },
        { "fi\n", NULL, "'fi' closes no open block", 1 },
        { "X=$(case a in a) echo;; esac)\n", NULL, "'case' inside $(...)", 1 },
        { "GRUB_CMDLINE_LINUX=`cat /x`\n", NULL, "$(...)", 1 },
        { "GRUB_CMDLINE_LINUX=\"${X:-a b}\"\n", NULL, "$(...)", 1 },
        { "GRUB_CMDLINE_LINUX=\"a -- b\"\n", NULL, "\"--\"", 1 },
        { "GRUB_CMDLINE_LINUX=\"a \\\"b\"\n", NULL, "unbalanced double quote", 1 },
        { "GRUB_CMDLINE_LINUX=\"audit='1'\"\nX=\"audit=\"'1'\n",
                "GRUB_CMDLINE_LINUX=\"audit=0\"\nX=\"audit=\"'1'\n" },
        { "GRUB_CMDLINE_LINUX=audit=\"1\"'2'\n", NULL, "split by shell quoting", 1 },
        { "A=1\n\x01\n", NULL, "control character 0x01", 2 },
        /* a quote left open anywhere: not valid shell, refused (naming the line the quote opens
         * on) rather than edited in a way a second run would change again */
        { "GRUB_TIMEOUT=\"5\nGRUB_CMDLINE_LINUX=\"quiet\"\n", NULL, "never closed", 2 },
        { "GRUB_TIMEOUT=5\necho 'hello\nGRUB_CMDLINE_LINUX=\"quiet\"\n", NULL,
                "quote ' opened here is never closed", 2 },
        { "GRUB_X=$(a \"b)\nGRUB_CMDLINE_LINUX=\"\"\n", NULL, "never closed", 2 },
        { "GRUB_CMDLINE_LINUX=\"\"\nGRUB_X=1 `date\n", NULL, "quote ` opened here is never closed", 2 },
        { "GRUB_CMDLINE_LINUX=\"\"\nGRUB_X=1 echo \"a\\\"\n", NULL, "never closed", 2 },
        /* the case the fuzzer found (fuzz/corpus/grub-edit/regress-unbalanced-quote) */
        { "GREGRUB_DEFAULT=0qui\"\n_TIMEOUINUX_DEFAULTNUcopy AULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"AULT\"C",
                NULL, "never closed", 3 },
        /* ... while quotes that close on a later line are valid shell, but the name inside one is
         * text that could be run ('eval', 'alias'): refused, naming the command */
        { "echo 'a\nGRUB_CMDLINE_LINUX=\"audit=1\"'\nGRUB_CMDLINE_LINUX=\"\"\n", NULL,
                "GRUB_CMDLINE_LINUX is used by the command 'echo'", 2 },
        { "GRUB_X=\"$(a \"b\")\nGRUB_CMDLINE_LINUX=x\"\nGRUB_CMDLINE_LINUX=\"\"\n", NULL,
                "GRUB_CMDLINE_LINUX is used in a way berth-audit does not understand (", 2 },
        { "GRUB_X=1 echo \"a\nGRUB_CMDLINE_LINUX=b\"\n", NULL, "used by the command 'echo'", 2 },
        /* a quote in a comment, or escaped, opens nothing */
        { "# don't\nA=1 # it's\nB=it\\'s\nGRUB_CMDLINE_LINUX=\"\"\n",
                "# don't\nA=1 # it's\nB=it\\'s\nGRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        { "echo it\\'s\nGRUB_CMDLINE_LINUX=\"\"\n", "echo it\\'s\nGRUB_CMDLINE_LINUX=\"audit=0\"\n" },
        { "echo a#'\nb'\nGRUB_CMDLINE_LINUX=\"\"\n", "echo a#'\nb'\nGRUB_CMDLINE_LINUX=\"audit=0\"\n" },
};

/* What the file gives when sourced, as berth-audit reads it: audit off, everything else kept. */
static void assert_effective_off(const char *in, const char *out)
{
        EditError err = {};
        char *before = NULL, *after = NULL, *value = NULL;

        ASSERT_EQ_INT(grub_defaults_effective(out, strlen(out), &after, &err), 0);
        ASSERT_EQ_INT(kernel_cmdline_get(after, "audit", &value), 1);
        ASSERT_TRUE(audit_value_is_off(value));
        if (grub_defaults_effective(in, strlen(in), &before, &err) >= 0) {
                /* one TAP comment line: a value may hold a newline */
                for (char *c = before; *c; c++)
                        *c = *c == '\n' ? ' ' : *c;
                for (char *c = after; *c; c++)
                        *c = *c == '\n' ? ' ' : *c;
                printf("#   effective: '%s' -> '%s'\n", before, after);
                free(before);
        }
        free(after);
        free(value);
}

static void test_grub_defaults(void)
{
        for (size_t i = 0; i < ELEMENTSOF_(grub_cases); i++) {
                const EditCase *c = &grub_cases[i];
                char *out = NULL;
                size_t size = 0;
                EditError err = {};
                int r = grub_defaults_set_audit_off(c->in, strlen(c->in), &out, &size, &err);
                printf("# case %zu: r=%i %s\n", i, r, r < 0 ? err.message : "");
                if (c->error) {
                        ASSERT_EQ_INT(r, -EBADMSG);
                        ASSERT_TRUE(strstr(err.message, c->error) != NULL);
                        ASSERT_EQ_INT(err.line, c->line);
                } else if (!c->out)
                        ASSERT_EQ_INT(r, 0);
                else {
                        ASSERT_EQ_INT(r, 1);
                        ASSERT_EQ_INT(size, strlen(out));
                        ASSERT_STREQ(out, c->out);
                        /* idempotent: a second run changes nothing */
                        char *again = NULL;
                        size_t again_size;
                        ASSERT_EQ_INT(grub_defaults_set_audit_off(out, size, &again, &again_size, &err), 0);
                        assert_effective_off(c->in, out);
                        free(out);
                }
        }
}

/* A hostile file cannot exhaust the stack: nesting is bounded, the file refused. */
static void test_grub_deep_nesting(void)
{
        size_t depth = 300000, size = depth * 3 + 64;
        char *in = malloc(size), *out = NULL, *p = in;
        size_t out_size;
        EditError err = {};

        ASSERT_TRUE(in != NULL);
        p = stpcpy(p, "X=");
        for (size_t i = 0; i < depth; i++)
                p = stpcpy(p, "$(");
        for (size_t i = 0; i < depth; i++)
                *p++ = ')';
        p = stpcpy(p, "\nGRUB_CMDLINE_LINUX=\"\"\n");
        ASSERT_EQ_INT(grub_defaults_set_audit_off(in, p - in, &out, &out_size, &err), -EBADMSG);
        ASSERT_TRUE(strstr(err.message, "nested more than 256 deep") != NULL);
        ASSERT_EQ_INT(err.line, 1);
        free(in);
}

static void test_grub_nul(void)
{
        const char in[] = "GRUB_CMDLINE_LINUX=\"\"\n\0\n";
        char *out = NULL;
        size_t size;
        EditError err = {};
        ASSERT_EQ_INT(grub_defaults_set_audit_off(in, sizeof in - 1, &out, &size, &err), -EBADMSG);
        ASSERT_TRUE(strstr(err.message, "NUL byte") != NULL);
        ASSERT_EQ_INT(err.line, 2);
        ASSERT_TRUE(out == NULL);
}

static const EditCase kernel_cases[] = {
        { "root=/dev/sda1 quiet\n", "root=/dev/sda1 quiet audit=0\n" },
        { "quiet", "quiet audit=0" },
        { "", "audit=0\n" },
        { "\n", "audit=0\n" },
        { "quiet  \n\n", "quiet audit=0  \n\n" },
        { "audit=1 quiet\n", "audit=0 quiet\n" },
        { "foo=\"a b\" audit=\"1\"\n", "foo=\"a b\" audit=0\n" },
        { "\"audit=1\" x\n", "\"audit=0\" x\n" },
        { "audit=0\n", NULL },
        { "quiet -- single\n", NULL, "\"--\"", 1 },
        { "quiet\0", NULL, "NUL byte", 1 },
};

static void test_kernel_cmdline_file(void)
{
        for (size_t i = 0; i < ELEMENTSOF_(kernel_cases); i++) {
                const EditCase *c = &kernel_cases[i];
                char *out = NULL;
                size_t size = 0, in_size = strlen(c->in) + (strcmp(c->in, "quiet") == 0 && c->error ? 1 : 0);
                EditError err = {};
                int r = kernel_cmdline_file_set_audit_off(c->in, in_size, &out, &size, &err);
                printf("# case %zu: r=%i %s\n", i, r, r < 0 ? err.message : "");
                if (c->error) {
                        ASSERT_EQ_INT(r, -EBADMSG);
                        ASSERT_TRUE(strstr(err.message, c->error) != NULL);
                } else if (!c->out)
                        ASSERT_EQ_INT(r, 0);
                else {
                        ASSERT_EQ_INT(r, 1);
                        ASSERT_STREQ(out, c->out);
                        char *again = NULL;
                        size_t again_size;
                        ASSERT_EQ_INT(
                                kernel_cmdline_file_set_audit_off(out, size, &again, &again_size, &err), 0);
                        free(out);
                }
        }
}

static void test_kernel_cmdline_get(void)
{
        char *v = NULL;

        ASSERT_EQ_INT(kernel_cmdline_get("quiet audit=1 ro\n", "audit", &v), 1);
        ASSERT_STREQ(v, "1");
        free(v);
        ASSERT_EQ_INT(kernel_cmdline_get("audit=1 x audit=0", "audit", &v), 1);
        ASSERT_STREQ(v, "0");
        free(v);
        ASSERT_EQ_INT(kernel_cmdline_get("audit=1 -- audit=0", "audit", &v), 1);
        ASSERT_STREQ(v, "1");
        free(v);
        ASSERT_EQ_INT(kernel_cmdline_get("x=\"a audit=1\" audit=\"0\"", "audit", &v), 1);
        ASSERT_STREQ(v, "0");
        free(v);
        ASSERT_EQ_INT(kernel_cmdline_get("\"audit=1\"", "audit", &v), 1);
        ASSERT_STREQ(v, "1");
        free(v);
        ASSERT_EQ_INT(kernel_cmdline_get("x=\"audit=1 y\"", "audit", &v), 0);
        ASSERT_TRUE(v == NULL);
        ASSERT_EQ_INT(kernel_cmdline_get("auditx=1 noaudit audit", "audit", &v), 0);
        ASSERT_EQ_INT(kernel_cmdline_get("", "audit", &v), 0);
        ASSERT_EQ_INT(kernel_cmdline_get("-- audit=1", "audit", &v), 0);

        ASSERT_TRUE(audit_value_is_off("0"));
        ASSERT_TRUE(audit_value_is_off("off"));
        ASSERT_TRUE(audit_value_is_off("Off"));
        ASSERT_TRUE(!audit_value_is_off("1"));
        ASSERT_TRUE(!audit_value_is_off(""));
        ASSERT_TRUE(!audit_value_is_off("00"));
}

static char *diff_of(const char *a, const char *b)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        if (unified_diff(f, "old", "new", a, strlen(a), b, strlen(b)) < 0) {
                fclose(f);
                free(buf);
                return NULL;
        }
        fclose(f);
        return buf;
}

static void test_unified_diff(void)
{
        char *d;

        d = diff_of("a\nb\nc\n", "a\nb\nc\n");
        ASSERT_STREQ(d, "");
        free(d);

        d = diff_of("a\nb\nc\n", "a\nB\nc\n");
        ASSERT_STREQ(d, "--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
        free(d);

        d = diff_of("a", "a\nb\n");
        ASSERT_STREQ(d, "--- old\n+++ new\n@@ -1 +1,2 @@\n-a\n\\ No newline at end of file\n+a\n+b\n");
        free(d);

        d = diff_of("", "x\n");
        ASSERT_STREQ(d, "--- old\n+++ new\n@@ -0,0 +1 @@\n+x\n");
        free(d);

        /* two changes far apart: two hunks with three lines of context each */
        d = diff_of("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "X\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\nY\n");
        ASSERT_STREQ(d,
                "--- old\n+++ new\n@@ -1,4 +1,4 @@\n-1\n+X\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+Y\n");
        free(d);

        /* changes close together share one hunk */
        d = diff_of("1\n2\n3\n4\n5\n6\n7\n8\n", "X\n2\n3\n4\n5\n6\n7\nY\n");
        ASSERT_STREQ(d, "--- old\n+++ new\n@@ -1,8 +1,8 @@\n-1\n+X\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+Y\n");
        free(d);
}

static void test_json_string(void)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        ASSERT_TRUE(f != NULL);
        json_print_string(f, "a\"b\\c\nd\te\x01 \xc3\xa9 \xff \xe2\x82 \xed\xa0\x80 \xf0\x9f\x98\x80");
        fputc(' ', f);
        json_print_string(f, NULL);
        fclose(f);
        ASSERT_STREQ(buf,
                "\"a\\\"b\\\\c\\nd\\te\\u0001 \xc3\xa9 \\ufffd \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd \xf0\x9f\x98\x80\" \"\"");
        free(buf);

        ASSERT_STREQ(errno_name(EPROTONOSUPPORT), "EPROTONOSUPPORT");
        ASSERT_STREQ(errno_name(-EPERM), "EPERM");
        ASSERT_TRUE(errno_name(4095) == NULL);
        ASSERT_EQ_INT(errno_from_name("EAFNOSUPPORT"), EAFNOSUPPORT);
        ASSERT_EQ_INT(errno_from_name("EBOGUS"), -EINVAL);
}

TESTS_MAIN(TEST_CASE(test_grub_defaults), TEST_CASE(test_grub_deep_nesting), TEST_CASE(test_grub_nul),
        TEST_CASE(test_kernel_cmdline_file), TEST_CASE(test_kernel_cmdline_get),
        TEST_CASE(test_unified_diff), TEST_CASE(test_json_string))
