"""The web demo, driven in headless Chromium: upload, segment, download; bad input shows a message.

Runs the real app (tools/demo/app.py) on loopback with a tiny network and drives it with selenium
through Debian's chromium and chromium-driver (tools/install.sh installs them with apt-get).
"""
import io
import os
import os.path as osp
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from mobilevos.utils.io import read_mask, write_mask
from tests.inference.test_video_source import make_mp4
from tests.models.vos.tiny import TINY_MODEL, build_tiny

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CHROMIUM, DRIVER = shutil.which('chromium'), shutil.which('chromedriver')
MISSING = ('chromium and chromedriver are not installed, so the browser test of the web demo cannot run: '
           'install them with `apt-get install chromium chromium-driver` (tools/install.sh tries to)')
if not (CHROMIUM and DRIVER):
    print(f'\n*** SKIPPING THE BROWSER TEST: {MISSING} ***\n', file=sys.stderr)
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not (CHROMIUM and DRIVER), reason=MISSING)]

FRAMES, SIZE, MAX_FRAMES = 20, 64, 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp('demo')
    config = root / 'tiny_config.py'
    config.write_text(f'model = {TINY_MODEL!r}\n')
    torch.save(dict(state_dict=build_tiny(seed=3).state_dict(), meta={}), root / 'tiny.pth')
    gt = make_mp4(root / 'clip.mp4', length=FRAMES, size=SIZE)
    write_mask(root / 'mask.png', gt[0])
    write_mask(root / 'empty.png', np.zeros((SIZE, SIZE), np.uint8))
    write_mask(root / 'small.png', gt[0][:32, :48])
    make_mp4(root / 'long.mp4', length=MAX_FRAMES + 10, size=32)
    (root / 'junk.mp4').write_bytes(b'not a video at all' * 50)
    return dict(root=root, config=str(config), ckpt=str(root / 'tiny.pth'))


@pytest.fixture(scope='module')
def app_url(files):
    if os.environ.get('MOBILEVOS_DEMO_URL'):  # debugging: drive an app already running with the tiny model
        yield os.environ['MOBILEVOS_DEMO_URL']
        return
    port = _free_port()
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED='False', PYTHONPATH=ROOT)
    log = open(files['root'] / 'app.log', 'w')
    process = subprocess.Popen([
        sys.executable,
        osp.join(ROOT, 'tools', 'demo', 'app.py'), '--config', files['config'], '--ckpt', files['ckpt'],
        '--port',
        str(port), '--max-frames',
        str(MAX_FRAMES), '--work-dir',
        str(files['root'] / 'runs')
    ],
                               stdout=log,
                               stderr=subprocess.STDOUT,
                               env=env)
    url = f'http://127.0.0.1:{port}/'
    deadline = time.time() + 240  # importing gradio and torch takes a while on a busy 2-core machine
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                process.kill()
                pytest.fail(f'the demo did not start: {(files["root"] / "app.log").read_text()[-3000:]}')
            time.sleep(0.5)
    yield url
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope='module')
def browser(files):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync',
                 '--disable-dev-shm-usage', '--window-size=1280,1000',
                 f'--user-data-dir={files["root"] / "chrome"}'):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def _wait_text(driver, css: str, wanted: str, timeout: float = 60) -> str:
    from selenium.webdriver.common.by import By
    deadline = time.time() + timeout
    text = ''
    while time.time() < deadline:
        elements = driver.find_elements(By.CSS_SELECTOR, css)
        text = elements[0].text if elements else ''
        if wanted in text:
            return text
        time.sleep(0.3)
    raise AssertionError(f'{css} never showed {wanted!r}; it shows {text!r}')


def _open(driver, url, video, mask=None):
    from selenium.webdriver.common.by import By
    driver.get(url)
    _wait_text(driver, 'body', 'Segment', timeout=30)
    driver.find_element(By.CSS_SELECTOR, '#video_input input[type=file]').send_keys(str(video))
    if mask is not None:
        driver.find_element(By.CSS_SELECTOR, '#mask_input input[type=file]').send_keys(str(mask))


def _run(driver):
    from selenium.webdriver.common.by import By
    time.sleep(0.5)  # the uploads settle
    driver.find_element(By.CSS_SELECTOR, '#run_btn').click()


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def test_upload_segment_download(browser, app_url, files, tmp_path):
    from selenium.webdriver.common.by import By
    _open(browser, app_url, files['root'] / 'clip.mp4', files['root'] / 'mask.png')
    _wait_text(browser, '#status', 'Video loaded: 64x64')
    _run(browser)
    status = _wait_text(browser, '#status', 'Done', timeout=90)
    assert f'{FRAMES} frames, 2 objects' in status
    src = browser.find_element(By.CSS_SELECTOR, '#overlay_video video').get_attribute('src')
    (tmp_path / 'overlay.mp4').write_bytes(_download(src))
    from mobilevos.visualization.video_writer import count_video_frames
    assert count_video_frames(tmp_path / 'overlay.mp4') == FRAMES
    link = browser.find_element(By.CSS_SELECTOR, '#masks_zip a[href]').get_attribute('href')
    with zipfile.ZipFile(io.BytesIO(_download(link))) as archive:
        names = sorted(archive.namelist())
        assert names == [f'{t:05d}.png' for t in range(FRAMES)]
        archive.extract(names[0], tmp_path)
    assert np.array_equal(read_mask(tmp_path / names[0]), read_mask(files['root'] / 'mask.png'))
    assert browser.find_element(By.CSS_SELECTOR, '#objects').text.split('\n')[-2:] == ['1', '2']
    boxes = browser.find_elements(By.CSS_SELECTOR, '#objects input[type=checkbox]')
    assert len(boxes) == 2 and all(box.is_selected() for box in boxes)
    shot = os.environ.get('MOBILEVOS_DEMO_SCREENSHOT', str(tmp_path / 'demo.png'))
    browser.save_screenshot(shot)
    with Image.open(shot) as image:
        assert image.size[0] >= 800
    # the overlay is on screen: the <video> element has a size
    assert browser.find_element(By.CSS_SELECTOR, '#overlay_video video').size['height'] > 50
    # a toggle redraws the overlay with the chosen objects only
    boxes[1].click()
    _wait_text(browser, '#status', 'Showing objects: 1.')


@pytest.mark.parametrize('video,mask,message', [
    ('clip.mp4', 'empty.png', 'contains no object'),
    ('clip.mp4', 'small.png', "a mask must have its frame's size"),
    ('junk.mp4', None, 'junk.mp4 cannot be opened as a video'),
    ('long.mp4', None, f'has {MAX_FRAMES + 10} frames, more than the limit of {MAX_FRAMES}'),
])
def test_bad_input_shows_a_message(browser, app_url, files, video, mask, message):
    _open(browser, app_url, files['root'] / video, None if mask is None else files['root'] / mask)
    if mask is not None:
        _wait_text(browser, '#status', 'Video loaded')
        _run(browser)
    text = _wait_text(browser, '#status', message)
    assert 'Error' in text and 'Traceback' not in browser.find_element('css selector', 'body').text
