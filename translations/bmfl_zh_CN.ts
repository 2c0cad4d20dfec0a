<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>bmfl::AccuracyTable</name>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="53"/>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="54"/>
        <source>Images</source>
        <translation>图像数</translation>
    </message>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="55"/>
        <source>Baseline [95% CI]</source>
        <translation>基线 [95% 置信区间]</translation>
    </message>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="56"/>
        <source>BMFL [95% CI]</source>
        <translation>BMFL [95% 置信区间]</translation>
    </message>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="57"/>
        <source>Δ (points)</source>
        <translation>差值（百分点）</translation>
    </message>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="58"/>
        <source>McNemar p</source>
        <translation>McNemar p 值</translation>
    </message>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="130"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>bmfl::BrainTokenAttentionChart</name>
    <message>
        <location filename="../widgets/src/AttentionViews.cpp" line="190"/>
        <source>%1: attention %2 (%3 vertices)</source>
        <translation>%1：注意力 %2（%3 个顶点）</translation>
    </message>
    <message>
        <location filename="../widgets/src/AttentionViews.cpp" line="214"/>
        <source>Image [CLS] → brain tokens</source>
        <translation>图像 [CLS] → 脑令牌</translation>
    </message>
    <message>
        <location filename="../widgets/src/AttentionViews.cpp" line="218"/>
        <source>No attention to show</source>
        <translation>无注意力可显示</translation>
    </message>
</context>
<context>
    <name>bmfl::CortexView</name>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="547"/>
        <source>%1 (no values to show)</source>
        <translation>%1（无可显示的数值）</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="551"/>
        <source>%1 (constant %2)</source>
        <translation>%1（常数 %2）</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="584"/>
        <source>lateral</source>
        <translation>外侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="586"/>
        <source>medial</source>
        <translation>内侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="588"/>
        <source>dorsal</source>
        <translation>背侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="590"/>
        <source>ventral</source>
        <translation>腹侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="592"/>
        <source>anterior</source>
        <translation>前侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="594"/>
        <source>posterior</source>
        <translation>后侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="628"/>
        <source>Left hemisphere</source>
        <translation>左半球</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="628"/>
        <source>Right hemisphere</source>
        <translation>右半球</translation>
    </message>
</context>
<context>
    <name>bmfl::DatasetBrowser</name>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="245"/>
        <source>No dataset</source>
        <translation>无数据集</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="249"/>
        <source>%1 images · %2 classes</source>
        <translation>%1 张图像 · %2 个类别</translation>
    </message>
</context>
<context>
    <name>bmfl::ImageAttentionView</name>
    <message>
        <location filename="../widgets/src/AttentionViews.cpp" line="102"/>
        <source>Brain [CLS] → image patches</source>
        <translation>脑 [CLS] → 图像块</translation>
    </message>
    <message>
        <location filename="../widgets/src/AttentionViews.cpp" line="108"/>
        <source>No image</source>
        <translation>无图像</translation>
    </message>
</context>
<context>
    <name>bmfl::MainWindow</name>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="173"/>
        <location filename="../app/workbench/MainWindow.cpp" line="414"/>
        <source>BMFL Workbench</source>
        <translation>BMFL 工作台</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="415"/>
        <source>Datasets</source>
        <translation>数据集</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="416"/>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="418"/>
        <source>Evaluate all</source>
        <translation>全部评估</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="419"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="420"/>
        <source>Copy table</source>
        <translation>复制表格</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="417"/>
        <source>Out-of-distribution accuracy</source>
        <translation>分布外准确率</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="809"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="811"/>
        <source>Open &amp;Model Bundle...</source>
        <translation>打开模型包(&amp;M)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="814"/>
        <source>Open &amp;Image...</source>
        <translation>打开图像(&amp;I)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="824"/>
        <source>Open &amp;Template Surface Folder...</source>
        <translation>打开模板皮层文件夹(&amp;T)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="826"/>
        <source>Use &amp;Bundled fsaverage5</source>
        <translation>使用内置 fsaverage5(&amp;B)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="836"/>
        <source>&amp;Export View as PNG...</source>
        <translation>导出视图为 PNG(&amp;E)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="840"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="844"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="865"/>
        <source>&amp;Reset View</source>
        <translation>重置视图(&amp;R)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="869"/>
        <source>&amp;Surface</source>
        <translation>皮层表面(&amp;S)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="918"/>
        <source>&amp;Data</source>
        <translation>数据(&amp;D)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="888"/>
        <source>Cortex &amp;Overlay</source>
        <translation>皮层叠加(&amp;O)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="87"/>
        <source>inflated</source>
        <translation>膨胀</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="89"/>
        <source>pial</source>
        <translation>软脑膜</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="91"/>
        <source>white</source>
        <translation>白质</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="93"/>
        <source>sphere</source>
        <translation>球面</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="372"/>
        <source>The colour range needs a minimum below its maximum.</source>
        <translation>颜色范围的最小值须小于最大值。</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="421"/>
        <source>Display</source>
        <translation>显示</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="422"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="423"/>
        <source>Diverging (blue-white-red)</source>
        <translation>发散（蓝-白-红）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="424"/>
        <source>Sequential (yellow-red)</source>
        <translation>顺序（黄-红）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="425"/>
        <source>Colormap</source>
        <translation>色图</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="426"/>
        <source>Fixed colour range (else automatic per image)</source>
        <translation>固定颜色范围（否则按每张图像自动）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="427"/>
        <source>Minimum</source>
        <translation>最小值</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="428"/>
        <source>Maximum</source>
        <translation>最大值</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="429"/>
        <source>Symmetric about 0</source>
        <translation>关于 0 对称</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="430"/>
        <source>Threshold |value|</source>
        <translation>阈值 |数值|</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="431"/>
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="680"/>
        <source>%1: the session&apos;s image %2 is beyond its %3 images</source>
        <translation>%1：会话中的第 %2 张图像超出了其 %3 张图像的范围</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="720"/>
        <source>Save session</source>
        <translation>保存会话</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="722"/>
        <location filename="../app/workbench/MainWindow.cpp" line="740"/>
        <source>Workbench sessions (*.json)</source>
        <translation>工作台会话 (*.json)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="740"/>
        <source>Open session</source>
        <translation>打开会话</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="818"/>
        <source>Open &amp;Session...</source>
        <translation>打开会话(&amp;S)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="820"/>
        <source>Sa&amp;ve Session...</source>
        <translation>保存会话(&amp;V)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="891"/>
        <source>Predicted fMRI</source>
        <translation>预测 fMRI</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="892"/>
        <source>Brain-Token Attention</source>
        <translation>脑令牌注意力</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="893"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="904"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="920"/>
        <source>&amp;Add Dataset...</source>
        <translation>添加数据集(&amp;A)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="924"/>
        <source>&amp;Evaluate All Datasets</source>
        <translation>评估全部数据集(&amp;E)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="928"/>
        <source>&amp;Cancel Evaluation</source>
        <translation>取消评估(&amp;C)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="933"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="935"/>
        <source>&amp;About BMFL Workbench</source>
        <translation>关于 BMFL 工作台(&amp;A)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="939"/>
        <source>About &amp;Qt</source>
        <translation>关于 &amp;Qt</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1023"/>
        <source>predicted response, %1</source>
        <translation>预测响应，%1</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1037"/>
        <source>image [CLS] → brain token attention</source>
        <translation>图像 [CLS] → 脑令牌注意力</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1072"/>
        <source>Still loading the previous surface...</source>
        <translation>仍在加载上一个皮层表面...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1075"/>
        <source>Loading %1 surface...</source>
        <translation>正在加载 %1 表面...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1111"/>
        <source>Cannot load surface</source>
        <translation>无法加载皮层表面</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1121"/>
        <source>Template surface folder (e.g. fsaverage)</source>
        <translation>模板皮层文件夹（如 fsaverage）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1131"/>
        <source>Model bundle folder</source>
        <translation>模型包文件夹</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1146"/>
        <source>Open image</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1146"/>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1158"/>
        <source>Add dataset</source>
        <translation>添加数据集</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1159"/>
        <source>Dataset (a folder, or e.g. fashion-mnist:test, imagenet-v2:/data/v2):</source>
        <translation>数据集（文件夹，或如 fashion-mnist:test、imagenet-v2:/data/v2）：</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1211"/>
        <location filename="../app/workbench/MainWindow.cpp" line="1221"/>
        <source>%1: cannot write: %2</source>
        <translation>%1：无法写入：%2</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1217"/>
        <source>%1: cannot encode PNG: %2</source>
        <translation>%1：无法编码 PNG：%2</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1229"/>
        <source>Export view</source>
        <translation>导出视图</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1229"/>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1241"/>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="733"/>
        <location filename="../app/workbench/MainWindow.cpp" line="1244"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1251"/>
        <source>%1 %2 · left %3 / right %4 vertices · %5 view</source>
        <translation>%1 %2 · 左 %3 / 右 %4 个顶点 · %5视图</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1260"/>
        <source>No surface loaded</source>
        <translation>未加载皮层表面</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1262"/>
        <source>Model: %1</source>
        <translation>模型：%1</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1263"/>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1266"/>
        <source>LibTorch %1 · %2 · %3 threads · %4</source>
        <translation>LibTorch %1 · %2 · %3 线程 · %4</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1268"/>
        <source>CUDA</source>
        <translation>CUDA</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1268"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1270"/>
        <source>OpenBLAS</source>
        <translation>OpenBLAS</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1270"/>
        <source>reference BLAS (slow)</source>
        <translation>参考 BLAS（慢）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1277"/>
        <source>About BMFL Workbench</source>
        <translation>关于 BMFL 工作台</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1278"/>
        <source>&lt;h3&gt;BMFL Workbench %1&lt;/h3&gt;&lt;p&gt;Brain-machine fusion learning (NeuralOOD, Zhao et al. 2024): predicted fMRI on the cortical surface, fusion attention, and baseline versus BMFL accuracy out of distribution.&lt;/p&gt;&lt;p&gt;fsaverage5 is part of FreeSurfer (Fischl 2012), distributed under the FreeSurfer Software License.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;BMFL 工作台 %1&lt;/h3&gt;&lt;p&gt;脑机融合学习（NeuralOOD，Zhao 等，2024）：皮层表面上的预测 fMRI、融合注意力，以及基线与 BMFL 在分布外数据上的准确率比较。&lt;/p&gt;&lt;p&gt;fsaverage5 属于 FreeSurfer（Fischl 2012），依据 FreeSurfer 软件许可分发。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="795"/>
        <location filename="../app/workbench/Startup.cpp" line="57"/>
        <source>no translation for &apos;%1&apos;; showing English</source>
        <translation>没有“%1”的翻译；显示英文</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1107"/>
        <source>%1; showing the bundled fsaverage5</source>
        <translation>%1；显示内置的 fsaverage5</translation>
    </message>
    <message>
        <location filename="../app/workbench/Startup.cpp" line="112"/>
        <source>No demo model yet: build it with `bmfl train-demo` (see README)</source>
        <translation>尚无演示模型：请用 `bmfl train-demo` 构建（见 README）</translation>
    </message>
</context>
<context>
    <name>bmfl::PredictionPanel</name>
    <message>
        <location filename="../widgets/src/PredictionPanel.cpp" line="36"/>
        <source> (correct)</source>
        <translation>（正确）</translation>
    </message>
    <message>
        <location filename="../widgets/src/PredictionPanel.cpp" line="37"/>
        <source> (wrong)</source>
        <translation>（错误）</translation>
    </message>
    <message>
        <location filename="../widgets/src/PredictionPanel.cpp" line="48"/>
        <location filename="../widgets/src/PredictionPanel.cpp" line="58"/>
        <source>Baseline: the frozen image encoder with a linear head on [CLS] and the mean patch token. BMFL: the same encoder fused with predicted fMRI by cross-attention.</source>
        <translation>基线：冻结的图像编码器，在 [CLS] 与平均图像块令牌上接线性分类头。BMFL：同一编码器通过交叉注意力与预测 fMRI 融合。</translation>
    </message>
    <message>
        <location filename="../widgets/src/PredictionPanel.cpp" line="88"/>
        <source>No image</source>
        <translation>无图像</translation>
    </message>
    <message>
        <location filename="../widgets/src/PredictionPanel.cpp" line="90"/>
        <source>baseline: %1 · BMFL: %2</source>
        <translation>基线：%1 · BMFL：%2</translation>
    </message>
    <message>
        <location filename="../widgets/src/PredictionPanel.cpp" line="112"/>
        <source>Select or drop an image</source>
        <translation>选择或拖入一张图像</translation>
    </message>
    <message>
        <location filename="../widgets/src/PredictionPanel.cpp" line="124"/>
        <source>Baseline</source>
        <translation>基线</translation>
    </message>
    <message>
        <location filename="../widgets/src/PredictionPanel.cpp" line="125"/>
        <source>BMFL</source>
        <translation>BMFL</translation>
    </message>
    <message>
        <location filename="../widgets/src/PredictionPanel.cpp" line="146"/>
        <source>✓ top-1 correct</source>
        <translation>✓ top-1 正确</translation>
    </message>
    <message>
        <location filename="../widgets/src/PredictionPanel.cpp" line="146"/>
        <source>✗ top-1 wrong</source>
        <translation>✗ top-1 错误</translation>
    </message>
    <message>
        <location filename="../widgets/src/PredictionPanel.cpp" line="183"/>
        <source>True class: %1</source>
        <translation>真实类别：%1</translation>
    </message>
</context>
<context>
    <name>bmfl::WorkbenchController</name>
    <message>
        <location filename="../app/workbench/WorkbenchController.cpp" line="148"/>
        <source>no model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../app/workbench/WorkbenchController.cpp" line="151"/>
        <source>%1 classes · %2 (%3 vertices) · %4</source>
        <translation>%1 个类别 · %2（%3 个顶点）· %4</translation>
    </message>
    <message>
        <location filename="../app/workbench/WorkbenchController.cpp" line="161"/>
        <source>Opening model %1...</source>
        <translation>正在打开模型 %1...</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/workbench/WorkbenchController.cpp" line="182"/>
        <source>Opening %n dataset(s)...</source>
        <translation>
            <numerusform>正在打开 %n 个数据集...</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/workbench/WorkbenchController.cpp" line="275"/>
        <source>%1: open a model first</source>
        <translation>%1：请先打开模型</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/workbench/WorkbenchController.cpp" line="298"/>
        <source>Evaluating %n dataset(s)...</source>
        <translation>
            <numerusform>正在评估 %n 个数据集...</numerusform>
        </translation>
    </message>
</context>
</TS>
