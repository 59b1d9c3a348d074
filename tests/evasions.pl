#!/usr/bin/perl
# tests/evasions.pl DIR TESTFILES -- write the evasion messages of tests/evasions.sh into DIR.
#
# Each class of MIME that mail clients read one way and libclamav another
# (issue 14), with each payload a client would show: EICAR and clam.exe
# base64-encoded, clam.zip base64-encoded, EICAR and clam.exe unencoded.
# Files are named CLASS-PAYLOAD. Only core Perl (MIME::Base64).
use strict;
use warnings;
use MIME::Base64 qw(encode_base64);

my ($dir, $tf) = @ARGV;
die "usage: evasions.pl DIR TESTFILES\n" unless defined $tf;
sub slurp { open(my $f, '<:raw', $_[0]) or die "$_[0]: $!"; local $/; my $d = <$f>; $d }
# EICAR, reversed so that this file is no test virus itself
my $eicar = reverse '*H+H$!ELIF-TSET-SURIVITNA-DRADNATS-RACIE$}7)CC7)^P(45XZP\4[PA@%P!O5X';
my ($exe, $zip) = (slurp("$tf/clam.exe"), slurp("$tf/clam.zip"));
# NAME => [file name, transfer encoding, the encoded data, the raw file]
my %payload = (
	'eicar-b64' => ['e.com', 'base64', encode_base64($eicar, "\r\n"), $eicar],
	'exe-b64'   => ['clam.exe', 'base64', encode_base64($exe, "\r\n"), $exe],
	'zip-b64'   => ['clam.zip', 'base64', encode_base64($zip, "\r\n"), $zip],
	'eicar-plain' => ['e.com', '7bit', "$eicar\r\n", $eicar],
	'exe-plain' => ['clam.exe', 'binary', $exe, $exe],
);
# tnef NAME DATA -- a winmail.dat (TNEF) with one attachment NAME holding DATA
sub tnef { my ($n, $d) = @_;
	my $attr = sub { my ($lvl, $id, $v) = @_;
		pack('CVV', $lvl, $id, length $v) . $v . pack('v', unpack('%16C*', $v)) };
	pack('Vv', 0x223E9F78, 0x0001)
	. $attr->(1, 0x00089006, pack('V', 0x00010000))		# attTnefVersion
	. $attr->(1, 0x00078008, "IPM.Microsoft Mail.Note\0")	# attMessageClass
	. $attr->(2, 0x00069002, "\0" x 14)			# attAttachRendData: an attachment starts
	. $attr->(2, 0x00018010, "$n\0")			# attAttachTitle
	. $attr->(2, 0x0006800F, $d) }				# attAttachData
# yenc NAME DATA END -- DATA yEnc-encoded as NAME, 128 columns; "=yend" unless END is 0
sub yenc { my ($n, $d, $end) = @_;
	my ($o, $col) = ("=ybegin line=128 size=" . length($d) . " name=$n\r\n", 0);
	for my $c (unpack('C*', $d)) {
		my $e = ($c + 42) % 256;
		if ($e == 0 || $e == 10 || $e == 13 || $e == 61 || ($col == 0 && ($e == 46 || $e == 9 || $e == 32))) {
			$o .= '=' . chr(($e + 64) % 256); $col += 2;
		} else { $o .= chr($e); $col++ }
		if ($col >= 128) { $o .= "\r\n"; $col = 0 }
	}
	$o .= "\r\n" if $col;
	$o . ($end ? "=yend size=" . length($d) . "\r\n" : '') }
# textpart CTE BODY -- a text/plain part holding BODY (yEnc or uuencode), base64 or 8bit
sub textpart { my ($cte, $b) = @_;
	"Content-Type: text/plain; charset=\"iso-8859-1\"\r\nContent-Transfer-Encoding: "
	. ($cte eq 'base64' ? "base64\r\n\r\n" . encode_base64($b, "\r\n") : "8bit\r\n\r\n$b") }
# uu DATA -- uuencoded lines, CRLF
sub uu { my $u = pack('u', $_[0]); $u =~ s/\n/\r\n/g; $u }
my $top = "From: a\@example.com\r\nTo: b\@example.net\r\nSubject: evasion\r\nMIME-Version: 1.0\r\n";
# part NAME CTE DATA -- an attachment part, without its delimiter
sub part { my ($n, $cte, $d) = @_;
	"Content-Type: application/octet-stream; name=\"$n\"\r\n"
	. "Content-Disposition: attachment; filename=\"$n\"\r\nContent-Transfer-Encoding: $cte\r\n\r\n$d" }
sub text { "Content-Type: text/plain\r\n\r\nsee the attachment\r\n" }
sub mp { my ($b, @p) = @_; join('', map { "--$b\r\n$_\r\n" } @p) . "--$b--\r\n" }

my %class = (
	# the declared boundary never occurs; the body uses another one
	'boundary-unused' => sub { $top . "Content-Type: multipart/mixed; boundary=\"DECLARED\"\r\n\r\n"
		. mp('USED', text(), part(@_)) },
	# bare CR line ends everywhere
	'barecr' => sub { (my $m = $top . "Content-Type: multipart/mixed; boundary=\"C\"\r\n\r\n"
		. mp('C', text(), part(@_))) =~ s/\r\n/\r/g; $m },
	# mixed: CRLF headers, the parts split by bare CR
	'mixedcr' => sub { my $b = mp('C', text(), part(@_)); $b =~ s/\r\n(--C|Content-)/\r$1/g;
		$top . "Content-Type: multipart/mixed; boundary=\"C\"\r\n\r\n" . $b },
	# two Content-Type headers: text first, multipart last
	'dupct-last' => sub { $top . "Content-Type: text/plain\r\nContent-Type: multipart/mixed; boundary=\"D\"\r\n\r\n"
		. mp('D', text(), part(@_)) },
	# two Content-Type headers: multipart (another boundary) first, the real one last
	'dupct-first' => sub { $top . "Content-Type: multipart/mixed; boundary=\"NOPE\"\r\n"
		. "Content-Type: multipart/mixed; boundary=\"D\"\r\n\r\n" . mp('D', text(), part(@_)) },
	# two Content-Transfer-Encoding headers on the attachment: 7bit, then the real one
	'dupcte' => sub { my ($n, $cte, $d) = @_;
		$top . "Content-Type: multipart/mixed; boundary=\"E\"\r\n\r\n"
		. mp('E', text(), "Content-Type: application/octet-stream; name=\"$n\"\r\n"
			. "Content-Transfer-Encoding: quoted-printable\r\nContent-Transfer-Encoding: $cte\r\n\r\n$d") },
	# a multipart that carries Content-Transfer-Encoding: base64
	'encoded-multipart' => sub { $top . "Content-Type: multipart/mixed; boundary=\"F\"\r\n"
		. "Content-Transfer-Encoding: base64\r\n\r\n" . encode_base64(mp('F', text(), part(@_)), "\r\n") },
	# the boundary in RFC 2231 continuations
	'rfc2231' => sub { $top . "Content-Type: multipart/mixed; boundary*0=\"RFC\"; boundary*1=\"2231\"\r\n\r\n"
		. mp('RFC2231', text(), part(@_)) },
	# the boundary parameter twice: the first never used
	'twoboundaries' => sub { $top . "Content-Type: multipart/mixed; boundary=\"ONE\"; boundary=\"TWO\"\r\n\r\n"
		. mp('TWO', text(), part(@_)) },
	# message/partial: one fragment of a message with the attachment
	'partial' => sub { $top . "Content-Type: message/partial; id=\"x\@example.com\"; number=1; total=2\r\n\r\n"
		. "Content-Type: multipart/mixed; boundary=\"P\"\r\n\r\n" . mp('P', text(), part(@_)) },
	# well formed (the control: found before too), but for the unencoded
	# clam.exe: its NUL bytes deleted by libclamav (doc/security.md finding 7)
	'control' => sub { $top . "Content-Type: multipart/mixed; boundary=\"W\"\r\n\r\n" . mp('W', text(), part(@_)) },
	# a stray '====' in front of the base64 of the attachment, on its first line (finding 8)
	'straypad' => sub { my ($n, $cte, $d) = @_; $d = "====$d" if $cte eq 'base64';
		$top . "Content-Type: multipart/mixed; boundary=\"G\"\r\n\r\n" . mp('G', text(), part($n, $cte, $d)) },
	# TNEF: winmail.dat (application/ms-tnef, as Outlook sends it) with the file inside
	'tnef' => sub { my ($n, $cte, $d, $raw) = @_; my $t = tnef($n, $raw);
		$top . "Content-Type: multipart/mixed; boundary=\"H\"\r\n\r\n" . mp('H', text(),
			"Content-Type: application/ms-tnef; name=\"winmail.dat\"\r\n"
			. "Content-Disposition: attachment; filename=\"winmail.dat\"\r\nContent-Transfer-Encoding: "
			. ($cte eq 'base64' ? "base64\r\n\r\n" . encode_base64($t, "\r\n") : "binary\r\n\r\n$t")) },
	# yEnc in a text part, with and without =yend (base64 form: the text part base64-encoded)
	'yenc' => sub { my ($n, $cte, $d, $raw) = @_;
		$top . "Content-Type: multipart/mixed; boundary=\"Y\"\r\n\r\n"
		. mp('Y', text(), textpart($cte, yenc($n, $raw, 1))) },
	'yenc-noend' => sub { my ($n, $cte, $d, $raw) = @_;
		$top . "Content-Type: multipart/mixed; boundary=\"Y\"\r\n\r\n"
		. mp('Y', text(), textpart($cte, yenc($n, $raw, 0))) },
	# uuencode without an end line in a text part (the base64 form: the text part base64-encoded)
	'uu-noend-part' => sub { my ($n, $cte, $d, $raw) = @_;
		$top . "Content-Type: multipart/mixed; boundary=\"U\"\r\n\r\n"
		. mp('U', text(), textpart($cte, "see below\r\nbegin 644 $n\r\n" . uu($raw))) },
	# header folding: the boundary on a continuation line after an empty-looking fold
	'fold-blank' => sub { $top . "Content-Type: multipart/mixed;\r\n \r\n boundary=\"FB\"\r\n\r\n"
		. mp('FB', text(), part(@_)) },
	# folded around the '=' and inside the value's token
	'fold-odd' => sub { $top . "Content-Type:\r\n multipart/mixed\r\n\t;\r\n boundary\r\n =\r\n FO\r\n\r\n"
		. mp('FO', text(), part(@_)) },
	# folded inside the quotes: unfolded it is "FQ 2" (the CRLF goes, the space stays); the body uses that
	'fold-quoted' => sub { $top . "Content-Type: multipart/mixed; boundary=\"FQ\r\n 2\"\r\n\r\n"
		. mp('FQ 2', text(), part(@_)) },
	# ... and the same fold, the body using the boundary with the folding white space dropped
	'fold-quoted-joined' => sub { $top . "Content-Type: multipart/mixed; boundary=\"FQ\r\n 2\"\r\n\r\n"
		. mp('FQ2', text(), part(@_)) },
	# RFC 2231 pieces, each on its own folded line, one of them a quoted token
	'fold-rfc2231' => sub { $top . "Content-Type: multipart/mixed;\r\n\tboundary*0=\"R2\";\r\n\tboundary*1=31\r\n\r\n"
		. mp('R231', text(), part(@_)) },
	# boundary parameters with odd quoting and white space
	'bq-spaces' => sub { $top . "Content-Type: multipart/mixed; boundary = \"SP\"\r\n\r\n" . mp('SP', text(), part(@_)) },
	'bq-escape' => sub { $top . "Content-Type: multipart/mixed; boundary=\"E\\Q\"\r\n\r\n" . mp('EQ', text(), part(@_)) },
	'bq-unclosed' => sub { $top . "Content-Type: multipart/mixed; boundary=\"UNC\r\n\r\n" . mp('UNC', text(), part(@_)) },
	'bq-single' => sub { $top . "Content-Type: multipart/mixed; boundary='SQ'\r\n\r\n" . mp('SQ', text(), part(@_)) },
	'bq-inner-space' => sub { $top . "Content-Type: multipart/mixed; boundary=\"IS \"\r\n\r\n" . mp('IS ', text(), part(@_)) },
	'bq-comment' => sub { $top . "Content-Type: multipart/mixed; (c; boundary=\"NO\") boundary=\"CM\"\r\n\r\n"
		. mp('CM', text(), part(@_)) },
	'bq-upper' => sub { $top . "Content-Type: Multipart/Mixed; BOUNDARY=\"UP\"\r\n\r\n" . mp('UP', text(), part(@_)) },
);
# uuencode without an end line, in a text body
my %extra = (
	'uu-noend-eicar' => $top . "Content-Type: text/plain\r\n\r\nsee below\r\nbegin 644 e.com\r\n" . uu($eicar),
	'uu-noend-exe' => $top . "Content-Type: text/plain\r\n\r\nsee below\r\nbegin 644 clam.exe\r\n"
		. uu(slurp("$tf/clam.exe")),
);
mkdir $dir;
sub put { open(my $f, '>:raw', "$dir/$_[0]") or die "$dir/$_[0]: $!"; print $f $_[1]; close $f or die }
for my $c (sort keys %class) {
	for my $p (sort keys %payload) {
		next if $c eq 'straypad' && $payload{$p}[1] ne 'base64';
		put("$c-$p", $class{$c}->(@{$payload{$p}}));
	}
}
put($_, $extra{$_}) for keys %extra;
