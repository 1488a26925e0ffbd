"""Embeds a text file in a Swift raw multi-line string literal with no line over 140 columns.

A longer line is cut into pieces joined by the literal's line continuation (a backslash, with the literal's `#`s, at the
end of a line): the string's value is the file's text, byte for byte. Used by scripts/embed-openapi and
scripts/embed-dashboard."""
import sys

WIDTH = 130


def embed(text, hashes):
    """The lines of `text`, each long one cut into pieces that end with the continuation `\\` + `hashes`."""
    continuation = '\\' + hashes
    out = []
    for line in text.split('\n'):
        while len(line) > WIDTH + len(continuation):
            cut = WIDTH
            # Never leave a backslash (or a run of them) at the end of a piece: it would pair with the continuation.
            while cut > 1 and line[cut - 1] == '\\':
                cut -= 1
            out.append(line[:cut] + continuation)
            line = line[cut:]
        out.append(line)
    return '\n'.join(out)


if __name__ == '__main__':
    path, hashes = sys.argv[1], sys.argv[2]
    with open(path, encoding='utf-8') as f:
        sys.stdout.write(embed(f.read(), hashes))
