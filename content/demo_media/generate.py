"""Make the demo media files in this folder: two short MP4 lessons, a PDF study guide, two posters and
the videos' cover frames. Run once by a developer (``python -m content.demo_media.generate``); the
outputs are committed, so the server never runs this.

Dev-only tool: needs ffpyplayer (pip install ffpyplayer), which is not a runtime dependency.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
RED = (178, 18, 24)
DARK_RED = (120, 10, 16)
GOLD = (246, 200, 76)
W, H, FPS, SECONDS = 320, 180, 15, 6


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_BOLD if bold else FONT, size, index=2)  # index 2: Simplified Chinese


def star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, angle: float, fill: tuple) -> None:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.4
        a = angle + i * math.pi / 5 - math.pi / 2
        points.append((cx + radius * math.cos(a), cy + radius * math.sin(a)))
    draw.polygon(points, fill=fill)


def video_frame(t: float, caption: str, background: tuple, motion: str) -> Image.Image:
    im = Image.new("RGB", (W, H), background)
    d = ImageDraw.Draw(im)
    d.rectangle((0, H - 40, W, H), fill=DARK_RED)
    if motion == "star":
        x = 30 + (W - 60) * (t / SECONDS)
        star(d, x, 60 + 15 * math.sin(t * 2), 26, t, GOLD)
    else:
        x = W / 2 + 110 * math.cos(t * 1.5)
        y = 62 + 30 * math.sin(t * 3)
        d.ellipse((x - 20, y - 20, x + 20, y + 20), fill=GOLD)
    d.text((W / 2, H - 20), caption, font=font(18, bold=True), fill=GOLD, anchor="mm")
    return im


def make_video(path: Path, caption: str, background: tuple, motion: str) -> None:
    from ffpyplayer.pic import Image as FFImage
    from ffpyplayer.writer import MediaWriter

    opts = {
        "pix_fmt_in": "rgb24",
        "pix_fmt_out": "yuv420p",  # what browsers and the kiosk both decode
        "width_in": W,
        "height_in": H,
        "codec": "libx264",
        "frame_rate": (FPS, 1),
    }
    writer = MediaWriter(str(path), [opts], overwrite=True, lib_opts={"crf": "30", "preset": "slow"})
    for n in range(FPS * SECONDS):
        frame = video_frame(n / FPS, caption, background, motion)
        writer.write_frame(
            img=FFImage(plane_buffers=[frame.tobytes()], pix_fmt="rgb24", size=(W, H)), pts=n / FPS
        )
    writer.close()
    video_frame(1.5, caption, background, motion).save(path.with_suffix(".jpg"), quality=80)


GUIDE_PAGES = [
    (
        "《中国共产党章程》学习辅导",
        [
            "一、为什么要经常学党章",
            "党章是党的根本大法，是全党必须共同遵守的根本行为规范。",
            "学习党章，是每一名党员的基本功。",
            "二、学习方法建议",
            "1. 通读全文：先读总纲，再读各章条文。",
            "2. 对照检查：对照党员义务逐条查找差距。",
            "3. 联系实际：结合岗位工作谈体会、定措施。",
        ],
    ),
    (
        "党员的八项义务（要点）",
        [
            "1. 认真学习马克思列宁主义和党的理论。",
            "2. 贯彻执行党的基本路线和各项方针、政策。",
            "3. 坚持党和人民的利益高于一切。",
            "4. 自觉遵守党的纪律，模范遵守国家法律法规。",
            "5. 维护党的团结和统一。",
            "6. 切实开展批评和自我批评。",
            "7. 密切联系群众。",
            "8. 发扬社会主义新风尚。",
        ],
    ),
    (
        "学习自测",
        [
            "1. 党的最高领导机关是什么？",
            "2. 预备党员的预备期是多长时间？",
            "3. 党的纪律处分有哪几种？",
            "4. 民主集中制的基本原则有哪些？",
            "",
            "答案可在活动室终端“学习答题”中查看。",
        ],
    ),
]


def make_pdf(path: Path) -> None:
    pages = []
    for title, lines in GUIDE_PAGES:
        page = Image.new("L", (595, 842), 255)  # A4 at 72 dpi keeps the file small
        d = ImageDraw.Draw(page)
        d.rectangle((0, 0, 595, 70), fill=60)
        d.text((297, 35), title, font=font(26, bold=True), fill=255, anchor="mm")
        y = 110
        for line in lines:
            d.text((50, y), line, font=font(18), fill=20)
            y += 42
        d.text((297, 810), "智慧党员活动室 · 学习资料", font=font(12), fill=120, anchor="mm")
        pages.append(page)
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=72, quality=70)


def make_poster(path: Path, title: str, lines: list[str]) -> None:
    im = Image.new("RGB", (540, 760), RED)
    d = ImageDraw.Draw(im)
    d.rectangle((18, 18, 522, 742), outline=GOLD, width=6)
    star(d, 270, 140, 70, 0, GOLD)
    d.text((270, 270), title, font=font(46, bold=True), fill=GOLD, anchor="mm")
    y = 360
    for line in lines:
        d.text((270, y), line, font=font(26), fill=(255, 240, 210), anchor="mm")
        y += 54
    d.text((270, 705), "智慧党员活动室", font=font(20), fill=GOLD, anchor="mm")
    im.quantize(colors=32).save(path, optimize=True)


def main() -> None:
    make_video(HERE / "party-flag-lesson.mp4", "党旗飘扬 · 初心不改", RED, "star")
    make_video(HERE / "integrity-lesson.mp4", "廉洁自律 · 警钟长鸣", (150, 16, 22), "circle")
    make_pdf(HERE / "party-constitution-guide.pdf")
    make_poster(HERE / "poster-never-forget.png", "不忘初心", ["牢记使命", "永远跟党走", "争做合格党员"])
    make_poster(HERE / "poster-integrity.png", "廉洁从政", ["守住底线", "不越红线", "清清白白做人"])


if __name__ == "__main__":
    main()
