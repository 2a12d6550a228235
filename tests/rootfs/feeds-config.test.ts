import test from 'ava';
import { feedRoots, feedsConfig, wantsFeedConfig, type FeedSettings } from '../../engine/rootfs/feeds-config.js';

const base: Omit<FeedSettings, 'format'> = {
  uris: 'https://example.com/packagerepos/release https://example.com/packagerepos/updates/',
  basePaths: 'rpm rpm-dev',
  archs: 'all core2-64',
  presentArchs: ['core2-64'],
};

test('URIS x BASE_PATHS give the feed roots (the example of the patch that introduced them)', (t) => {
  t.deepEqual(feedRoots(base.uris, base.basePaths), [
    'https://example.com/packagerepos/release/rpm',
    'https://example.com/packagerepos/release/rpm-dev',
    'https://example.com/packagerepos/updates/rpm',
    'https://example.com/packagerepos/updates/rpm-dev',
  ]);
  t.deepEqual(feedRoots('http://h/feed/', ''), ['http://h/feed']);
  t.deepEqual(feedRoots('', 'deb'), []);
});

test('deb: one apt line per root and arch, [trusted=yes] unless the feed is signed', (t) => {
  const [file] = feedsConfig({ ...base, format: 'deb', uris: 'http://10.0.0.1:8000', basePaths: 'deb' });
  t.is(file?.path, '/etc/apt/sources.list.d/oe-remote-feeds.list');
  t.is(file?.content, 'deb [trusted=yes] http://10.0.0.1:8000/deb/all ./\ndeb [trusted=yes] http://10.0.0.1:8000/deb/core2-64 ./\n');
  const [signed] = feedsConfig({ ...base, format: 'deb', uris: 'http://h', basePaths: 'deb', archs: undefined, signedFeedKey: '/etc/apt/keyrings/feed.gpg' });
  t.is(signed?.content, 'deb [signed-by=/etc/apt/keyrings/feed.gpg] http://h/deb/core2-64 ./\n', 'unset ARCHS: the arches present');
});

test('rpm: one .repo per root, a section per arch when PACKAGE_FEED_ARCHS is set', (t) => {
  const files = feedsConfig({ ...base, format: 'rpm', uris: 'http://h/feeds', basePaths: 'rpm' });
  t.deepEqual(files, [{
    path: '/etc/yum.repos.d/oe-remote-repo-feeds-rpm.repo',
    content: '[oe-remote-repo-feeds-rpm-all]\nname=OE Remote Repo: feeds rpm all\nbaseurl=http://h/feeds/rpm/all\ngpgcheck=0\n\n' +
      '[oe-remote-repo-feeds-rpm-core2-64]\nname=OE Remote Repo: feeds rpm core2-64\nbaseurl=http://h/feeds/rpm/core2-64\ngpgcheck=0\n',
  }]);
  const [root] = feedsConfig({ ...base, format: 'rpm', uris: 'http://h/feeds', basePaths: 'rpm', archs: undefined, signedFeedKey: '/etc/pki/feed.asc' });
  t.is(root?.content, '[oe-remote-repo-feeds-rpm]\nname=OE Remote Repo: feeds rpm\nbaseurl=http://h/feeds/rpm\nrepo_gpgcheck=1\ngpgkey=file:///etc/pki/feed.asc\ngpgcheck=0\n');
});

test('ipk: src/gz lines numbered per root', (t) => {
  const [file] = feedsConfig({ ...base, format: 'ipk', uris: 'http://a http://b', basePaths: 'ipk', archs: 'all core2-64' });
  t.is(file?.path, '/etc/opkg/base-feeds.conf');
  t.is(file?.content, 'src/gz uri-all-0 http://a/ipk/all\nsrc/gz uri-core2-64-0 http://a/ipk/core2-64\nsrc/gz uri-all-1 http://b/ipk/all\nsrc/gz uri-core2-64-1 http://b/ipk/core2-64\n');
  t.deepEqual(feedsConfig({ ...base, format: 'ipk', uris: '' }), []);
});

test('only images with package-management get feed configuration', (t) => {
  t.true(wantsFeedConfig('ssh-server-dropbear package-management', ''));
  t.true(wantsFeedConfig(undefined, 'debug-tweaks package-management'));
  t.false(wantsFeedConfig('package-managementx', undefined));
});
