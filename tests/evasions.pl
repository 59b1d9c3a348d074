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
my %payload = (
	'eicar-b64' => ['e.com', 'base64', encode_base64($eicar, "\r\n")],
	'exe-b64'   => ['clam.exe', 'base64', encode_base64(slurp("$tf/clam.exe"), "\r\n")],
	'zip-b64'   => ['clam.zip', 'base64', encode_base64(slurp("$tf/clam.zip"), "\r\n")],
	'eicar-plain' => ['e.com', '7bit', "$eicar\r\n"],
	'exe-plain' => ['clam.exe', 'binary', slurp("$tf/clam.exe")],
);
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
);
# uuencode without an end line, in a text body
sub uu { my $u = pack('u', $_[0]); $u =~ s/\n/\r\n/g; $u }
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
