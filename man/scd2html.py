#!/usr/bin/env python3
"""scd2html.py - the HTML edition of a man page written in scdoc, with the
pictures its sessions draw shown inline (vmfs-tutorial(7), issue 19).

    scd2html.py PAGE.scd OUTPUT.html [--pictures DIR]

It reads the subset of scdoc the project's pages use: the title line, ';'
comments, '# ' and '## ' headings, paragraphs, '- ' lists, *bold* and
_underline_ (shown as italics), '\\' escapes, tab-indented lines (an
indented block) and ``` literal blocks.  A literal block's command lines
(those after "$ ", with their "> " continuations) that run `vmfsctl draw
... -o ~/NAME.svg` make a figure right after the block: an <img> of
DIR/NAME.svg (DIR relative to the HTML file, default
"vmfs-tutorial-pictures") captioned with the command.

The pictures themselves come from the tutorial test (tests/tutorial/run.sh):
the session runs those commands against its own machine, with HOME a
directory of its own, and the test copies every ~/NAME.svg into the
pictures directory next to this HTML in the build tree.  So the HTML is
made when meson builds, and its pictures when the tutorial test runs: they
are always the pictures of the page's own sessions, never a stale copy.

What stays true: the output is one self-contained, well-formed HTML5 file
(no script, inline CSS); every character of the page's text is escaped;
the same input gives the same output.
"""
import html
import re
import sys

DRAW = re.compile(r"^vmfsctl draw (walk|tree|phys)\b.*\s-o\s+~/([A-Za-z0-9_.-]+\.svg)(\s|$)")

CSS = """
body { font-family: Helvetica, Arial, sans-serif; max-width: 56em; margin: 2em auto;
       padding: 0 1em; line-height: 1.45; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; } h3 { font-size: 1.05em; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: 0.6em; overflow-x: auto;
      font-size: 0.85em; line-height: 1.3; }
.indent { margin-left: 2em; font-family: monospace; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #555; font-family: monospace; }
"""


def inline(text):
    """scdoc's inline markup: \\ escapes, *bold*, _underline_."""
    out, i, bold, ital = [], 0, False, False
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(html.escape(text[i + 1]))
            i += 2
            continue
        # scdoc: _ opens only at a word's start, closes only at its end
        if c == "*":
            out.append("</b>" if bold else "<b>")
            bold = not bold
        elif c == "_" and (ital or i == 0 or not text[i - 1].isalnum()) and \
                (not ital or i + 1 == len(text) or not text[i + 1].isalnum()):
            out.append("</i>" if ital else "<i>")
            ital = not ital
        else:
            out.append(html.escape(c))
        i += 1
    if ital:
        out.append("</i>")
    if bold:
        out.append("</b>")
    return "".join(out)


def figures(block, pictures):
    """The figures of the draw commands in a literal block's lines."""
    out, cmd = [], None
    for line in block + ["$ "]:
        if line.startswith("> ") and cmd is not None:
            cmd += " " + line[2:]
            continue
        if cmd is not None:
            m = DRAW.match(cmd)
            if m:
                src = f"{pictures}/{m.group(2)}"
                out.append(f'<figure><img src="{html.escape(src)}" alt="{html.escape(cmd)}">'
                           f"<figcaption>$ {html.escape(cmd)}</figcaption></figure>")
            cmd = None
        if line.startswith("$ "):
            cmd = line[2:]
    return out


def convert(lines, pictures):
    title = lines[0].split('"')[0].strip() if lines else ""
    body, para, items = [], [], []
    i = 1

    def flush():
        if para:
            body.append("<p>" + inline(" ".join(para)) + "</p>")
            para.clear()
        if items:
            body.append("<ul>" + "".join("<li>" + inline(" ".join(it)) + "</li>" for it in items) + "</ul>")
            items.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            indent = line[:len(line) - len(line.lstrip())]
            block = []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                block.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
                i += 1
            body.append("<pre>" + html.escape("\n".join(block)) + "</pre>")
            body.extend(figures(block, pictures))
        elif line.startswith(";"):
            pass
        elif line.startswith("## "):
            flush()
            body.append("<h3>" + inline(line[3:]) + "</h3>")
        elif line.startswith("# "):
            flush()
            body.append("<h2>" + inline(line[2:]) + "</h2>")
        elif not stripped:
            flush()
        elif line.startswith("- "):
            if para:
                flush()
            items.append([line[2:]])
        elif items and line.startswith("  "):
            items[-1].append(stripped)
        elif line.startswith("\t"):
            flush()
            body.append('<div class="indent">' + inline(stripped) + "</div>")
        else:
            if items:
                flush()
            para.append(stripped)
        i += 1
    flush()
    name = html.escape(title)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{name}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{name}</h1>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def main(argv):
    args = argv[1:]
    pictures = "vmfs-tutorial-pictures"
    if "--pictures" in args:
        k = args.index("--pictures")
        pictures = args[k + 1]
        del args[k:k + 2]
    if len(args) != 2:
        sys.exit(f"usage: {argv[0]} PAGE.scd OUTPUT.html [--pictures DIR]")
    with open(args[0], encoding="utf-8") as f:
        lines = f.read().split("\n")
    with open(args[1], "w", encoding="utf-8") as f:
        f.write(convert(lines, pictures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
