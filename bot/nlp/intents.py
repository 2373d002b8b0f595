"""Intent rules: keyword and pattern table in explicit priority order (first match wins)."""
from __future__ import annotations

import re
from dataclasses import dataclass

ACTION_INTENTS: frozenset[str] = frozenset({
    "renew", "reserve", "cancel_reservation", "bind", "unbind", "report_lost_card",
    "checkout", "checkin", "recall", "mark_lost", "mark_damaged", "pay_fine", "replace_card",
    "publish_activity", "unsubscribe", "resubscribe", "issue_code",
})
# The librarian's commands: each needs a barcode or card number in the message (Rule.codes).
LIBRARIAN_INTENTS: frozenset[str] = frozenset({
    "checkout", "checkin", "recall", "mark_lost", "mark_damaged", "pay_fine", "replace_card", "reader_loans",
    "issue_code",
})

# A barcode or card number. Atomic, so a code once read is not re-split (digits between \d{4,} and
# the tail: O(n²) splits of a long digit run when what follows does not match); the tail after the
# digits is bounded, since a code may start after each "-" and "1111-1111-…" would otherwise be
# rescanned to its end from every piece. Real codes are far shorter than 4 + digits + 24.
CODE = r"(?<![A-Za-z0-9])(?>[A-Za-z]{0,4}\d{4,}[A-Za-z0-9-]{0,24})(?![A-Za-z0-9])"
CLASS = r"(?:本班|我们班|我班|咱班|咱们班|俺班|俺们班|我哋班|阿拉班|班上|班里|班级|全班|带的班|我的班|[0-9一二三四五六七八九十]{1,4}\s*[班(（]|各班|学生们?|同学们?|孩子们)"
OWE = r"(?:逾期|超期|过期|超时|没还|未还|没有还|欠书|欠着|欠图书馆|拖欠|到期未还|没按时还|未按时|催还|催书|没交|未归还)"
CARD = r"(?:借书证|借阅证|读者证|图书证|借书卡|借阅卡|图书卡|阅览证|证件|书证|卡)"
LOSE = r"(?:丢|掉了|找不到|不见|遗失|被偷|弄没|没了)"
FINE = r"(?:罚款|罚金|罚钱|欠款|欠费|滞纳金|赔款|罚了|罚多少|超期费|逾期费|罚的钱)"
# A parent speaking of their own child ("我是S30240家长", "我是四年级一班刘一诺的妈妈"): not a librarian's or
# class teacher's request about someone else.
PARENT_SELF = r"(?:我是.{0,16}(?:家长|妈妈|爸爸|妈|爸|爷爷|奶奶|外公|外婆|姥姥|姥爷)|我家孩子|我的孩子|我孩子|我家娃|我女儿|我儿子|我闺女)"
# The pushes by name, so "退订新书推荐" / "恢复到书通知" are about pushes, not books.
NOTICE_NAMES = r"(?:新书推荐|到期提醒|还书提醒|催还通知|催书|到书通知|活动通知|期末提醒)"
# A barcode or card number the librarian means, not an ISBN, phone number or year: letters then digits
# (S30201, T0012, B000123) or 6–9 digits (10000003, 0000101).
LIB_CODE_RE = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z]{1,4}\d{4,}[A-Za-z0-9-]{0,24}|\d{6,9})(?![A-Za-z0-9])")
NEG_BEFORE = re.compile(r"(?:不|别|不要|不用|不想|不需要|无需|没必要|甭)(?:再|先|帮我|给我)?(?:登记|记|标记?|设为|办)?$")


@dataclass(frozen=True, slots=True)
class Rule:
    intent: str
    pattern: re.Pattern[str]
    weak: bool = False  # a hint, not a request: confidence stays below the action threshold
    codes: int = 0  # how many barcodes / card numbers the message must hold for the rule to apply
    unless: re.Pattern[str] | None = None  # the rule does not apply to a message this matches anywhere


def _r(intent: str, pattern: str, *, weak: bool = False, codes: int = 0, unless: str | None = None) -> Rule:
    return Rule(intent, re.compile(pattern, re.IGNORECASE), weak, codes,
                re.compile(unless, re.IGNORECASE) if unless else None)


# Every pattern is linear in the text: repeats are bounded ({0,12}, {1,4}) or anchored, so no
# search rescans the rest of the message from each position (tests/nlp/test_long_text.py).
# Order is the priority. Specific before general: "取消预约" before "预约", "续借规则" before
# "续借", "本班逾期" before "我的借阅", librarian commands (need a barcode) before reader ones.
RULES: tuple[Rule, ...] = (
    # A librarian or class teacher asking for a binding code for a card: 验证码 + a card number and
    # no 绑定 (a reader binding themselves writes 绑定 and the code's digits, not 验证码 + card).
    _r("issue_code", r"(?:绑定|邀请|家长|学生|老师)码|绑定.{0,3}码|(?:出|生成|发|给|弄|要|开)(?:一个|个|一|张)?(?:新的?)?(?:绑定)?码",
       codes=1),
    _r("issue_code", rf"^(?!.*(?:绑定(?!验证码)|没收到|收不到|没有收到)).*"
                     rf"(?:验证码.{{0,12}}{CODE}|{CODE}.{{0,8}}验证码)"),
    _r("resubscribe", rf"(?:提醒|通知|推送|消息|周报|{NOTICE_NAMES}).{{0,6}}(?:重新打开|再打开|打开|恢复|再开|开着|开通|开启|开回来|要回来|重新开|开起)"
                      rf"|照常发|还是得发|都给我发|又想收了?$|现在又想(?:收|要)|关了.{{0,4}}现在(?:又)?要|^开(?:启|通)?.{{0,6}}(?:提醒|通知|推送)"
                      rf"|(?:还是要|又想收|还是想收|(?<!不要)(?<!不用)(?<!别)再给我发).{{0,6}}(?:提醒|通知|推送|消息|{NOTICE_NAMES}|新书)|^订阅|想恢复|订回来|订回去|重新订|再订上"),
    _r("unsubscribe", rf"(?:提醒|通知|推送|消息|周报|{NOTICE_NAMES}).{{0,8}}(?:关掉|关了|关闭|关一下|别发|莫得发|不要发|不用发|不发了|不需要了|不要了"
                      r"|不用了|屏蔽|停了|停掉|取消|太多|退订)|暂停推送|不想收|别再.{0,4}推|不要再.{0,4}推|(?:别|莫|不要)推(?!荐)|能不能不发了|不要(?:再)?发消息|别发消息"),
    _r("resubscribe", r"重新订阅|恢复订阅|(?:恢复|重新|继续|再次|开启|打开|开通)(?:订阅|接收|推送|发送|打开|开启)?(?:给我)?"
                      rf".{{0,8}}(?:提醒|通知|推送|消息|周报|{NOTICE_NAMES})"),
    _r("unsubscribe", r"退订|取消订阅|不再接收|(?:屏蔽|关闭|关掉|停止|取消|不要再?|别再?|不用再?)(?:给我)?"
                      rf".{{0,8}}(?:提醒|通知|推送|消息|周报|{NOTICE_NAMES})"),
    _r("cancel_reservation", r"(?:取消|撤销|撤回|退掉|删除|删掉|去掉|不要|不想|不用|不需要)了?.{0,30}?(?:预约|预定|预订)|(?:取消|撤销|撤回)约"
                             r"|(?:不用|不|别)再?等(?:了|啦)|(?:别|不用|不要)再?(?:给我|帮我)?留(?:着)?了|不排(?:队)?了|退掉排队|划掉"
                             r"|(?:登记|排队)的?(?:去掉|删掉|撤了)"),
    _r("cancel_reservation", r"(?:预约|预定|预订|约的).{0,12}?(?:取消|撤销|不要了|不需要了|算了|不用了|删掉|删了|删除|退掉|退了|撤了|撤掉"
                             r"|撤回|撤|作废|去掉)|(?:不用|不要|别)再?(?:帮我)?留了"),
    # The librarian's requests, each about the barcode or card in the message (LIBRARIAN_INTENTS).
    # A reader who "换卡了 重新绑定" binds the new card; the librarian's 换证 never says 绑定.
    _r("replace_card", rf"补办|补证|补卡|换证|换卡|补发|重新办|重办|(?:补|换|办)(?:一|个|一个|一张|张)?(?:新的?)?{CARD}"
                       rf"|(?:补|换|办)(?:一|个|一个|一张|张)新的?|补(?:一张|一个|个|张)|办新证|新证|重新发卡|发新卡|换个新|换新|换(?:一张|张|一个)|{CARD}.{{0,2}}(?:补|换)(?:一|个|一个|一张|张)",
       codes=1, unless="绑定"),
    _r("report_lost_card", rf"挂失|报失|挂.{{0,2}}失|{CARD}.{{0,4}}{LOSE}|{LOSE}了?.{{0,3}}{CARD}|(?:冻结|停用).{{0,4}}{CARD}"
                           rf"|{CARD}.{{0,6}}(?:冻结|停用)"),
    _r("report_lost_card", rf"补办.{{0,2}}{CARD}|{CARD}.{{0,2}}补办"),
    _r("cancel_reservation", r"(?:不|不用|不要|不想|不需要)再?约了"),
    _r("unbind", r"解绑|退出.{0,4}(?:绑定|关联)|解开|解除$|就解了|(?:绑|卡|微信).{0,8}解了吧|解除.{0,10}(?:绑定|关联)|取消.{0,10}(?:绑定|关联|绑卡|绑证)|(?:不绑|不想绑|不要绑)了?"
                 r"|(?:绑定|关联).{0,6}(?:删|解了|解除|去掉|取消|撤)|(?:删除|删掉|去掉)(?:绑定|关联)|不要关联"
                 rf"|{CARD}.{{0,10}}(?:删掉|删了|删除|去掉)"),
    _r("unbind", r"绑错|换绑", weak=True),
    # A correction of what was typed to bind ("名字打错了 应该是王梓涵", "卡号写错了 是S20230118").
    _r("bind", r"(?:名字|姓名|卡号|证号)(?:写|打|填|输)错了"),
    _r("bind", r"绑定|绑卡|绑证|绑.{0,4}(?:借书证|借阅证|卡|证)|关联.{0,4}(?:借书证|借阅证|卡|证|孩子)|登记.{0,2}借书证"
               r"|(?:挂|连|关联)(?:到|上).{0,6}微信"
               r"|绑(?:上|一下|下|个|到|了|吧)"),
    _r("bind", rf"^(?:我的|孩子的?)?(?:卡号|证号|借书证号?|借阅证号?|学号|工号)[是为:：\s]*{CODE}$", weak=True),
    # "我是三年级二班班主任张丽华 教师证号 t1902": introducing oneself with one's card is a binding (asked first).
    _r("bind", rf"^(?:我是|我叫|本人是?)(?!.*(?:借了|在借|逾期|没还|查)).{{0,24}}(?:卡号|证号|借书证号?|借阅证号?|学号|工号)[是为:：\s]*{CODE}\s*$",
       weak=True),
    _r("pay_fine", r"缴费|交费|付费|(?:缴|交|付|给)(?:了|清|纳|过)?.{0,6}(?:罚款|罚金|欠款|逾期费|超期费|赔偿|钱|费)"
                   r"|(?:罚款|罚金|欠款|赔偿款|赔款|费用?)[^,，]{0,3}(?:已收|收了|已交|交了|已付|付了|收讫|交清|缴清|已缴|缴了|销)"
                   r"|已缴清|已交清|已付|销账|销掉|转了.{0,4}(?:块|元)|结清|缴清|付清|交清|收款|收了.{0,8}(?:罚|钱|费)"
                   r"|钱(?:已经)?交了|(?<![要没该需得])(?:交|缴|付)了\s*\d+(?:\.\d+)?\s*(?:块|元)(?!.{0,3}吗)"
                   r"|(?:已收|收到|收取|收了)了?.{0,4}?(?:罚款|罚金|欠款|赔款|赔偿)(?!规则|通知|标准|单)", codes=1),
    _r("mark_damaged", r"(?<![没不未])(?:损坏|破损|损毁|污损|损伤|撕坏|撕破|撕了|被撕|泡水|水泡|泡了|弄脏|脏了|裂开|裂了"
                       r"|断了|咬了|咬坏|坏了|破了|掉页|书页掉|涂画|乱画|弄坏|摔坏)", codes=1),
    _r("mark_lost", rf"(?<![没不未先别])(?:丢失|遗失|遗矢|丢了|弄丢|搞丢|已丢|丢书|报失|lost|{LOSE})", codes=1),
    _r("recall", r"催(?!过)|提醒.{0,6}(?:还|归还)|(?:该|尽快|赶紧|快点)(?:还|归还)|发提醒", codes=1),
    _r("checkout", r"借(?!书证|阅证|书卡|阅卡|了(?:什么|啥|哪|几|多少))", codes=2),
    _r("reader_loans", r"借(?!书证|阅证|书卡|阅卡|出)|名下|手上|手里|没还|在借|(?:超期|逾期|过期)的|书在外面|^查\S{0,3}$"
                       r"|^(?:查一下|查下|查查|查询|看看|看一下|看下|查|看)(?=\s|[A-Za-z0-9]|读者|学生)", codes=1,
       unless=rf"{PARENT_SELF}|(?:能|可以|一次|最多).{{0,4}}借(?:几|多少)"),
    _r("checkin", r"归还|还书|还回|回来了|入库|收回|回收|换书|环书|还了|还(?![有没能是要欠])", codes=1, unless=PARENT_SELF),
    # Whole-school and class-teacher lists: before the reader's own loans and before class_overdue.
    _r("school_overdue", rf"(?:全校|整个学校|全体|所有班级?|各个?班|全部|馆里|学校).{{0,12}}{OWE}"
                         rf"|^(?!.*{CLASS}){OWE}(?:的)?(?:统计|情况|名单|清单|人数)|{OWE}.{{0,8}}(?:全部|所有)(?:的|人)?列|{OWE}.{{0,6}}(?:全校|所有人|全部读者)"
                         rf"|^所有{OWE}"),
    # The class borrowing rota (借阅轮流表): when a class goes to the library, not the library's hours.
    _r("class_turn", r"轮到.{0,8}(?:班|我们|孩子)|(?:班|我们|孩子).{0,6}轮到|借阅轮流表|轮流表|借书日(?!期)"
                     r"|(?:本班|我们班|我班|咱班|咱们班|班上|班里|班级|全班|孩子|娃|[0-9一二三四五六七八九十]{1,4}\s*[班(（])"
                     r".{0,8}(?:什么时候|啥时候|哪天|哪一天|几号|周几|星期几|礼拜几|几点|何时|几时|今天|明天|后天|这周|本周|下周|每周)"
                     r".{0,6}(?:借书|借阅|去图书|去阅览|来图书|到图书|去借|来借|上图书|进图书|阅读课|图书课)"
                     r"|(?:本班|我们班|我班|咱班|咱们班|孩子的?班|[0-9一二三四五六七八九十]{1,4}\s*班)的?(?:借书|借阅)(?:时间|日|安排)"),
    _r("class_not_borrowed", r"(?:没|未|尚未|从来没|从没|一本都没|一本没|一次都没|没有)(?:有|去|来)?"
                             r"(?:图书馆)?(?:借过|借书|借阅|借)|(?:零|0)借阅|借阅(?:数|量|记录)?(?:为|是)?(?:0|零|空)"
                             r"|借阅记录为空|没有借书记录|莫得借书",
       unless=rf"{PARENT_SELF}|(?:儿子|女儿|闺女|娃|孩子)(?:说|他|她)|名下"),
    _r("class_stats", rf"{CLASS}.{{0,16}}(?:统计|数据|报表|借阅情况|借书情况|借阅量|阅读量|借阅率|人均|平均|人次"
                      r"|借了(?:多少|几|好多)|借过(?:多少|几)|借阅(?:多少|几)|多少人借|借书的多不多|借还|总数)|^班级(?:统计|数据|阅读)"
                      r"|class stats", unless=PARENT_SELF),
    # A next page of the last list: the whole message, so "三体还有吗" stays a search.
    _r("more", r"^(?:看)?下一?页|翻页|往后翻|^下一批|^显示更多|^还有(?:木有|没得)|^更多|^(?:继续|接着)(?:说|发|看|列)?|^还有(?:吗|没|没有|呢|别的|其他|其它)"
               r"(?:别的|其他|其它)?(?:的|吗|没|了|呢|不|咯|嘛|啊|撒)*(?:\s|$)|没显示(?:完|全)|后面还有|接着发|^剩下的|^再来(?:几|一)"
               r"|^再多看"),
    _r("publish_activity", r"(?:发布|发一?个|发一下|发送|发|新建|创建|推送|推一?个)(?:这个|一个|一条|新|个)?"
                           r"(?:读书|阅读)?活动|活动(?:发布|通知发)|发布.{0,16}活动",
       unless=r"(?:发布|发)(?:过|了)(?:什么|哪些|啥|几个)"),  # "最近发布了什么活动" asks what there is
    # 借阅时间 / 借书时间 on their own: when the library lends, not the asker's loans.
    _r("hours", r"^(?:图书馆|图书室|学校)?的?(?:借阅|借书|还书|借还书?)时间(?:是|是什么|是几点)?[?？吗呢]*$"),
    _r("renew", r"(?:延长|延期|续借?).{0,12}(?:借期|期限|借阅期)"),
    _r("hours", r"(?:中午|课间|大课间|午休|放学后?|周末|今天|明天|下午|上午|早上|晚上|周[一二三四五六日天]|星期[一二三四五六日天])"
                r".{0,6}(?:能|可以|可|开)(?:不能)?.{0,2}(?:去|来|过去|借|还|开|进)|(?:今天|明天|下午|上午|现在).{0,6}开(?:吗|没|不|着|门)"
                r"|开没开|开了(?:吗|没)"),
    _r("rules", r"规则|规定|制度|须知|章程|守则|细则|政策|流程|注意事项|押金|后果|有啥区别|有什么区别"),
    _r("rules", r"(?:逾期|超期|过期|晚还|迟还|没还|不还|还晚).{0,8}(?:会怎样|会怎么样|怎么办|影响|会不会|还能借|能借|罚款吗|要罚"
                r"|不让借)|(?:要|得|需要)赔(?:吗|钱|多少)|赔(?:吗|多少)"),
    _r("rules", r"(?:能|可以|可|最多|一次|每次|每人|每个人|老师|学生|孩子).{0,4}(?<!再)(?:借|续借?|续)(?:几|多少)(?:本|次|册|天)"),
    _r("rules", r"借期|借阅期限|借阅期|(?<!再)借多久|(?<!再)借多长|(?<!再)借几天|能借多长|借阅时间多长|能借多少天|可以借多少天|借.{0,2}多长时间"),
    _r("rules", r"续借?.{0,3}(?:几次|多久|多长|几天|多少天|多少次)|预约.{0,4}(?:保留|留|几天|多久|多长)"),
    _r("rules", rf"(?:逾期|超期|过期|晚还|迟还|超时|延迟还).{{0,6}}(?:怎么|如何|会|要|怎样|咋)(?:罚|处理|办|算|收)"
                rf"|怎么罚|罚款.{{0,4}}(?:标准|怎么算|一天|每天)|(?:一天|每天)(?:罚|多少钱)|{FINE}.{{0,3}}(?:怎么|如何)算"),
    _r("rules", r"(?:丢|弄丢|损坏|弄坏|撕坏|撕破|弄脏|污损|坏了|破了).{0,6}(?:怎么|如何|要|赔|办)|赔偿|照价"),
    _r("rules", r"(?:工具书|字典|词典|期刊|杂志).{0,4}(?:能|可以|可).{0,2}(?:借|外借|带)|(?:能|可以)外借|带回家"),
    _r("class_overdue", rf"{CLASS}.{{0,12}}{OWE}|^(?:初[一二三]|[一二三四五六七八九]年级)(?:的|学生)?.{{0,4}}{OWE}|{OWE}.{{0,6}}(?:名单|学生|同学|的孩子)|(?:哪些|哪几个|谁).{{0,6}}{OWE}", unless=PARENT_SELF),
    _r("ranking", r"排行|排名|榜|阅读之星|读书之星|借阅之星|达人|读书明星|阅读明星|前[0-9十二三五]{1,2}名|排第几|(?:借书|借阅|读书|看书|阅读)(?:得|的)?(?:最多|第一名)|借(?:得|的)最多"
                  r"|最多的(?:班|人|同学|学生|书)|最受欢迎|最热门|热门|借的人最多|谁借.{0,2}最多"),
    _r("fines", rf"{FINE}|要交.{{0,4}}钱|交多少钱|欠.{{0,3}}钱|赔了多少"),
    _r("history", r"借阅历史|借阅记录|历史记录|借书记录|阅读记录|阅读报告|读书报告|阅读量|阅读情况|阅读档案"
                  r"|借过|读过|看过哪|看过的书|还掉的|还了的书|借了好多|上个?月借了|以前借|之前借|曾经借|历史借阅|读了(?:多少|几)|看了(?:多少|几)"
                  r"|(?:这学期|本学期|上学期|今年|去年|这个月|本月|一共|总共|累计|这一年).{0,6}(?:借|读|看)了?(?:多少|几|哪些|什么)"),
    _r("renew", r"续借|续期|续订|续租|再续|续一次|延一下|延长一下|续(?:一下|一续|下|个|上|一本|两本|几天|一周|吧|了吧)|(?<![继连手陆])续$|帮我续|给我续|都续"
                r"|延期|延长|再借(?:一|两|几|1|2)?个?(?:周|星期|礼拜|天|段时间|阵子|下)|多借(?:几|一|两)(?:天|周)"
                r"|晚(?:几|一|两)?(?:天|点|些)还|推迟(?:还|归还)|宽限"),
    _r("my_loans", r"我的预约|预约的书|预约(?:到|好)了(?:吗|没)|预约情况"),
    _r("reserve", r"预约|预定|预订|我要约|约一下|约一本|订一本|订一下|(?:帮我|给我|替我|帮忙)(?:留|占)|留一本|排队借|排个队|占一下|占一本|帮我约|约上"
                  r"|锁定|预留|有人还了?.{0,4}(?:跟我说|告诉我|通知我|提醒我|说一声|叫我)"
                  r"|(?:到|有|回来|还回来)了?.{0,6}(?:通知|告诉|提醒|叫|喊)我|第一时间(?:通知|告诉|提醒)"
                  r"|(?:还了|还回来了?|回来了?).{0,3}(?:喊|叫)我|排上|我也要排|(?:帮我|给我|想)排(?:一个|个|上|队)|扣下|(?:帮我|给我)扣|^约(?![定会好了过])"),
    _r("my_loans", r"(?:要|该|得)还的书|(?:显示|系统里?|记录).{0,6}(?:借着|没还|在借|未还)|^(?:查|看)(?:一下|下)?(?:我的|孩子的)?借阅$|还书(?:日期|时间)|是不是.{0,3}(?:超期|逾期|过期)|(?:有没有|有无).{0,3}(?:逾期|超期|过期|欠)"
                   r"|我的借阅|当前借阅|在借|借了(?:哪些|什么|几本|啥|多少)|借的(?:书|哪|什么)|我借的|孩子借的"
                   r"|(?:什么时候|哪天|几号|何时|啥时候|多久)(?:到期|还|要还|归还|得还|该还)|到期(?:时间|日期|日|了吗|没)"
                   r"|应还|(?:没|还没|未)(?:还|归还)|借阅(?:情况|状态|信息|列表|清单)|借书(?:情况|清单|列表)|手上.{0,4}书"
                   r"|(?:快|要|马上)到期|到期了?$|欠.{0,2}书"),
    # "这个号怎么用", "我是新来的志愿者 这个号怎么用啊": how to use the account, before 新来的 reads as new books.
    _r("help", r"(?:这个号|公众号|这个平台|这个系统|小程序)(?!码).{0,6}(?:怎么用|咋用|如何用|怎么操作|能干|能做|干嘛|干什么)"),
    _r("activities", r"活动|读书节|阅读节|读书月|阅读月|讲座|故事会|故事爸妈|故事妈妈|故事爸爸|读书会|征文|朗诵|演讲比赛"
                     r"|作家进校园|书展|书市|亲子阅读|共读|读书打卡|阅读打卡|(?:读书|阅读|朗诵|演讲|征文|知识|讲故事)比赛|图书漂流|跳蚤书市"),
    _r("new_books", r"新书|新到|新进|新来的(?!老师|同学|学生|志愿者|班主任)|新上架|上新|新购|新入库|刚到的书|最近(?:到|来|进|买)了.{0,6}书|新添"),
    _r("recommend", r"(?<!同学)(?<!朋友)推荐(?!了)|荐书|书单|好书|读什么|看什么|读点什么|看点什么|读点?啥|看点?啥|类似的|差不多的|适合.{0,10}(?:看|读|的)|值得(?:看|读)|必读|必看"
                    r"|课外(?:书|读物|阅读)|阅读建议|有什么.{0,6}(?:书|绘本|小说|读物)|给.{0,6}(?:孩子|学生).{0,6}(?:书|读物)"),
    _r("hours", r"几点(?!放学|上课|下课|开始|结束|集合|到校|接|出发|开会)|开门|关门|开馆|闭馆|开放|营业|上班(?!会)|下班|什么时候开|开不开|几时开|开着|关着|作息|工作时间"
                r"|(?:图书馆|图书室|阅览室).{0,3}(?:在哪|在几楼|位置|怎么走|地址)|(?:寒假|暑假|假期|节假日|周末|周六|周日|放假)"
                r".{0,4}(?:开|上班|能去|可以去)"),
    _r("search", r"查询|查找|检索|搜索|搜一下|搜搜|查一下|查查|找找|找一下|查书|找书|搜书|查一查|找一找|有没有|有无|在不在"
                 r"|还有(?:吗|没有)|在馆|馆藏|可借吗|能借到|借得到|书架|索书号|在哪|哪里有|哪儿有|想借|想看|要借|借一本"
                 r"|我要借|借本|isbn|有(?:吗|么|没)$|^有.{1,24}(?:吗|么|没)$|^(?:图书馆|图书室|馆里|学校)有.{1,24}(?:吗|么|没)$|关于.{1,10}的(?:书|绘本|小说)|有.{1,10}的(?:书|绘本|小说)吗"
                 r"|写的(?:书|小说|绘本|作品)|的(?:作品|著作)"),
    # "没带借书证能借书吗", "家长可以帮孩子借书吗": whether borrowing is allowed, not a book (no title in it).
    _r("rules", "^[^\ue000]*(?:能|可以|可不可以|能不能|让)(?:帮|替|给)?[^\ue000]{0,6}(?:借书|借|还书|还)(?:吗|么|不|呢)"),
    _r("help", r"帮助|菜单|功能|指令|能查(?:哪些|什么|啥)|这个号|公众号能|^help$|^menu$|怎么用|如何使用|使用说明|能做什么|能干什么|会做什么|会干什么|会什么|能帮我?(?:做)?什么"
               r"|有什么用|指南|说明书|操作说明|你是谁|怎么操作|不会用|教我"),
)

# Single-character commands that only count as a whole jieba token ("查理九世" is not 查).
TOKEN_KEYWORDS: dict[str, str] = {"查": "search", "找": "search", "搜": "search", "续": "renew"}

QUESTION_RE = re.compile(r"吗|么|能不能|可不可以|可以不|能否|是否|怎么|如何|\?|行不行|好不好")


@dataclass(frozen=True, slots=True)
class IntentMatch:
    intent: str
    start: int
    end: int
    weak: bool
    negated: bool


def library_codes(text: str) -> list[str]:
    """Barcodes and card numbers in text, upper-cased, in order (ISBNs, phones and years left out)."""
    return [c.upper() for c in LIB_CODE_RE.findall(text)]


def detect(masked: str, tokens: list[str]) -> IntentMatch | None:
    """The highest-priority rule that matches the (title-masked) text, or a single-char command."""
    codes = len(library_codes(masked))
    for rule in RULES:
        if rule.codes > codes:
            continue
        m = rule.pattern.search(masked)
        if m and not (rule.unless is not None and rule.unless.search(masked)):
            negated = rule.intent in ACTION_INTENTS and rule.intent != "cancel_reservation" \
                and rule.intent != "unsubscribe" and bool(NEG_BEFORE.search(masked[: m.start()]))
            return IntentMatch(rule.intent, m.start(), m.end(), rule.weak, negated)
    offset = 0
    for tok in tokens:
        if tok in TOKEN_KEYWORDS:
            negated = bool(NEG_BEFORE.search(masked[:offset]))
            return IntentMatch(TOKEN_KEYWORDS[tok], offset, offset + len(tok), False, negated)
        offset += len(tok)
    return None


def is_question(text: str) -> bool:
    """True when the message asks about something rather than telling the bot to do it."""
    return bool(QUESTION_RE.search(text))
