import test from 'ava';
import { basename } from 'node:path';
import { downloadName } from '../../engine/fetch/fetcher.js';
import { gitSrcName } from '../../engine/fetch/git.js';
import { mirrorPairs, mirrorUrls, trustedNetwork } from '../../engine/fetch/mirrors.js';
import { decodeUrl, encodeUrl, isPatch, patchStripLevel, requestUrl } from '../../engine/fetch/src-uri.js';

/** What BitBake's build_mirroruris gives for one `find replace` pair. */
function mirrored(url: string, find: string, replace: string): string[] {
  const u = decodeUrl(url);
  const git = u.type === 'git' || u.type === 'gitsm';
  const localName = git ? undefined : u.type === 'file' ? basename(u.path) : downloadName(u);
  return mirrorUrls(u, mirrorPairs(`${find} ${replace}`), { localName, mirrorTarball: git ? `git2_${gitSrcName(u)}.tar.gz` : undefined });
}

const REV = 'tag=1234567890123456789012345678901234567890;branch=master';

// Cases from BitBake's own MirrorUriTest (lib/bb/tests/fetch.py), which these must match.
const CASES: ReadonlyArray<readonly [string, string, string, string | undefined]> = [
  [`git://git.invalid.infradead.org/mtd-utils.git;${REV}`, 'git://.*/.*', 'http://somewhere.org/somedir/', 'http://somewhere.org/somedir/git2_git.invalid.infradead.org.mtd-utils.git.tar.gz'],
  [`git://git.invalid.infradead.org/foo/mtd-utils.git;${REV}`, 'git://.*/([^/]+/)*([^/]*)', 'git://somewhere.org/somedir/\\2;protocol=http', `git://somewhere.org/somedir/mtd-utils.git;${REV};protocol=http`],
  [`git://someserver.org/bitbake;${REV}`, 'git://someserver.org/bitbake', 'git://git.openembedded.org/bitbake', `git://git.openembedded.org/bitbake;${REV}`],
  ['file://sstate-xyz.tgz', 'file://.*', 'file:///somewhere/1234/sstate-cache', 'file:///somewhere/1234/sstate-cache/sstate-xyz.tgz'],
  ['file://sstate-xyz.tgz', 'file://.*', 'file:///somewhere/1234/sstate-cache/', 'file:///somewhere/1234/sstate-cache/sstate-xyz.tgz'],
  ['http://somewhere.org/somedir1/somedir2/somefile_1.2.3.tar.gz', 'http://.*/.*', 'http://somewhere2.org/somedir3', 'http://somewhere2.org/somedir3/somefile_1.2.3.tar.gz'],
  ['http://www.apache.org/dist/subversion/subversion-1.7.1.tar.bz2', 'http://www.apache.org/dist', 'http://archive.apache.org/dist', 'http://archive.apache.org/dist/subversion/subversion-1.7.1.tar.bz2'],
  ['http://www.apache.org/dist/subversion/subversion-1.7.1.tar.bz2', 'http://.*/.*', 'file:///somepath/downloads/', 'file:///somepath/downloads/subversion-1.7.1.tar.bz2'],
  [`git://git.invalid.infradead.org/foo/mtd-utils.git;${REV}`, 'git://.*/.*', 'git://somewhere.org/somedir/BASENAME;protocol=http', `git://somewhere.org/somedir/mtd-utils.git;${REV};protocol=http`],
  [`git://git.invalid.infradead.org/foo/mtd-utils.git;${REV}`, 'git://.*/.*', 'git://somewhere.org/somedir/MIRRORNAME;protocol=http', `git://somewhere.org/somedir/git.invalid.infradead.org.foo.mtd-utils.git;${REV};protocol=http`],
  ['http://somewhere.org/somedir1/somedir2/somefile_1.2.3.tar.gz', 'http://.*/.*', 'http://somewhere2.org', 'http://somewhere2.org/somefile_1.2.3.tar.gz'],
  [`git://user1@someserver.org/bitbake;${REV}`, 'git://someserver.org/bitbake;branch=master', 'git://user2@git.openembedded.org/bitbake;protocol=http', `git://user2@git.openembedded.org/bitbake;${REV};protocol=http`],
  ['https://somewhere.org/example/1.0.0/example;downloadfilename=some-example-1.0.0.tgz', 'https://.*/.*', 'file:///mirror/PATH', 'file:///mirror/example/1.0.0/some-example-1.0.0.tgz;downloadfilename=some-example-1.0.0.tgz'],
  [`git://git.invalid.infradead.org/mtd-utils.git;${REV}`, 'git://(?!internal\\.git\\.server).*/.*', 'http://somewhere.org/somedir/', 'http://somewhere.org/somedir/git2_git.invalid.infradead.org.mtd-utils.git.tar.gz'],
  [`git://internal.git.server.org/mtd-utils.git;${REV}`, 'git://(?!internal\\.git\\.server).*/.*', 'http://somewhere.org/somedir/', undefined],
];

for (const [url, find, replace, want] of CASES) {
  test(`mirror ${find} -> ${replace} maps ${url}`, (t) => {
    t.deepEqual(mirrored(url, find, replace), want ? [want] : []);
  });
}

test('a mirror of a mirror follows, each pair used once (BitBake urilist)', (t) => {
  const u = decodeUrl('http://downloads.yoctoproject.org/releases/bitbake/bitbake-1.0.tar.gz');
  const pairs = mirrorPairs('http://.*/.* file:///somepath/downloads/ \\n git://someserver.org/bitbake git://git.openembedded.org/bitbake https?://.*/.* file:///someotherpath/downloads/');
  t.deepEqual(mirrorUrls(u, pairs, { localName: 'bitbake-1.0.tar.gz', mirrorTarball: undefined }), ['file:///somepath/downloads/bitbake-1.0.tar.gz', 'file:///someotherpath/downloads/bitbake-1.0.tar.gz']);
});

test('URLs decode into BitBake parts and encode back', (t) => {
  const u = decodeUrl('https://user:pw@example.com:8080/a/b%20c.tar.gz;name=x;downloadfilename=y.tgz');
  t.is(u.type, 'https');
  t.is(u.host, 'example.com:8080');
  t.is(u.path, '/a/b c.tar.gz');
  t.deepEqual([u.user, u.pswd], ['user', 'pw']);
  t.deepEqual([...u.params], [['name', 'x'], ['downloadfilename', 'y.tgz']]);
  t.is(encodeUrl({ ...decodeUrl('file://dir//x.patch;apply=no') }), 'file://dir/x.patch;apply=no');
  t.throws(() => decodeUrl('http://example.com/x;novalue'), { message: /does not specify a value/ });
});

test('a ?query is requested but is not part of the path (BitBake decodeurl); mirror patterns keep their ?', (t) => {
  const u = decodeUrl('http://example.com/dl/app-1.0.tar.gz?raw=true#top;name=x');
  t.is(u.path, '/dl/app-1.0.tar.gz');
  t.is(downloadName(u), 'app-1.0.tar.gz');
  t.is(requestUrl(u), 'http://example.com/dl/app-1.0.tar.gz?raw=true');
  t.deepEqual([...u.params], [['name', 'x']]);
  t.deepEqual(mirrored('https://example.com/a/app-1.0.tar.gz?raw=true', 'https?://.*/.*', 'file:///mirror/'), ['file:///mirror/app-1.0.tar.gz']);
});

test('patches: *.patch and *.diff (also compressed) unless apply=no; apply=yes makes any file one', (t) => {
  t.true(isPatch(decodeUrl('file://fix.patch')));
  t.true(isPatch(decodeUrl('file://fix.diff.gz')));
  t.false(isPatch(decodeUrl('file://fix.patch;apply=no')));
  t.true(isPatch(decodeUrl('file://fix.txt;apply=yes')));
  t.true(isPatch(decodeUrl('file://fix.txt;apply=t')));
  t.false(isPatch(decodeUrl('file://fix.patch;apply=f')));
  t.throws(() => isPatch(decodeUrl('file://fix.patch;apply=maybe')), { message: /invalid boolean value 'maybe'/ });
  t.is(patchStripLevel(decodeUrl('file://fix.patch;pnum=0')), '0');
  t.is(patchStripLevel(decodeUrl('file://fix.patch;pnum=0;striplevel=2')), '2');
  t.is(patchStripLevel(decodeUrl('file://fix.patch')), '1');
  t.false(isPatch(decodeUrl('file://hello.tar.gz')));
});

test('BB_ALLOWED_NETWORKS accepts listed hosts and *.domain wildcards only', (t) => {
  const allowed = '*.example.com mirror.org';
  t.true(trustedNetwork(decodeUrl('https://dl.example.com/x'), allowed));
  t.true(trustedNetwork(decodeUrl('https://MIRROR.org:8080/x'), allowed));
  t.false(trustedNetwork(decodeUrl('https://example.org/x'), allowed));
  t.true(trustedNetwork(decodeUrl('file:///x'), allowed));
  t.true(trustedNetwork(decodeUrl('https://anything/x'), undefined));
});
