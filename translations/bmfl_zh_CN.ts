<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>bmfl::AccuracyTable</name>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="79"/>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="80"/>
        <source>Images</source>
        <translation>图像数</translation>
    </message>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="81"/>
        <source>Baseline [95% CI]</source>
        <translation>基线 [95% 置信区间]</translation>
    </message>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="82"/>
        <source>BMFL [95% CI]</source>
        <translation>BMFL [95% 置信区间]</translation>
    </message>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="83"/>
        <source>Δ (points)</source>
        <translation>差值（百分点）</translation>
    </message>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="84"/>
        <source>McNemar p</source>
        <translation>McNemar p 值</translation>
    </message>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="85"/>
        <source>Double-click a cell to show its images in the dataset browser: a head&apos;s wrong images, or where the heads disagree</source>
        <translation>双击单元格即可在数据集浏览器中显示对应图像：某个分类头分错的图像，或两个分类头不一致的图像</translation>
    </message>
    <message>
        <location filename="../widgets/src/AccuracyTable.cpp" line="158"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>bmfl::BrainTokenAttentionChart</name>
    <message>
        <location filename="../widgets/src/AttentionViews.cpp" line="250"/>
        <source>%1: %2% of the attention (%3 vertices)</source>
        <translation>%1：占注意力的 %2%（%3 个顶点）</translation>
    </message>
    <message>
        <location filename="../widgets/src/AttentionViews.cpp" line="276"/>
        <source>Image [CLS] → brain tokens</source>
        <translation>图像 [CLS] → 脑令牌</translation>
    </message>
    <message>
        <location filename="../widgets/src/AttentionViews.cpp" line="280"/>
        <source>No attention to show</source>
        <translation>无注意力可显示</translation>
    </message>
    <message>
        <location filename="../widgets/src/AttentionViews.cpp" line="290"/>
        <source>%1 tokens · sum %2% · uniform %3% (dashed)</source>
        <translation>%1 个词元 · 总和 %2% · 均匀 %3%（虚线）</translation>
    </message>
    <message>
        <location filename="../widgets/src/AttentionViews.cpp" line="351"/>
        <source>+ %1 more tokens: %2% together</source>
        <translation>另有 %1 个词元：合计 %2%</translation>
    </message>
</context>
<context>
    <name>bmfl::ComparisonPanel</name>
    <message>
        <location filename="../widgets/src/ComparisonPanel.cpp" line="54"/>
        <source>&lt;b&gt;A&lt;/b&gt; (pinned)</source>
        <translation>&lt;b&gt;A&lt;/b&gt;（已固定）</translation>
    </message>
    <message>
        <location filename="../widgets/src/ComparisonPanel.cpp" line="55"/>
        <source>&lt;b&gt;B&lt;/b&gt; (the next image)</source>
        <translation>&lt;b&gt;B&lt;/b&gt;（下一张图像）</translation>
    </message>
    <message>
        <location filename="../widgets/src/ComparisonPanel.cpp" line="77"/>
        <source>Pin an image as A (Data menu or the browser&apos;s context menu)</source>
        <translation>将一张图像固定为 A（“数据”菜单或浏览器的右键菜单）</translation>
    </message>
    <message>
        <location filename="../widgets/src/ComparisonPanel.cpp" line="79"/>
        <source>Analyse another image</source>
        <translation>请分析另一张图像</translation>
    </message>
</context>
<context>
    <name>bmfl::CorruptionExplorer</name>
    <message>
        <location filename="../widgets/src/CorruptionExplorer.cpp" line="108"/>
        <source>Run for this image</source>
        <translation>对此图像运行</translation>
    </message>
    <message>
        <location filename="../widgets/src/CorruptionExplorer.cpp" line="109"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../widgets/src/CorruptionExplorer.cpp" line="113"/>
        <source>severity %1</source>
        <translation>强度 %1</translation>
    </message>
    <message>
        <location filename="../widgets/src/CorruptionExplorer.cpp" line="116"/>
        <source>ROI</source>
        <translation>ROI</translation>
    </message>
    <message>
        <location filename="../widgets/src/CorruptionExplorer.cpp" line="116"/>
        <source>mean |Δ response|</source>
        <translation>平均 |Δ 响应|</translation>
    </message>
    <message>
        <location filename="../widgets/src/CorruptionExplorer.cpp" line="119"/>
        <source>The selected image under each corruption of the suite: both heads&apos; top-1 and the change of the predicted response per ROI.</source>
        <translation>所选图像在套件中每种损坏下的表现：两个分类头的 top-1 预测，以及各 ROI 预测响应的变化。</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/src/CorruptionExplorer.cpp" line="125"/>
        <source>%1 under %n corruption(s)</source>
        <translation>
            <numerusform>%1 在 %n 种损坏下</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/src/CorruptionExplorer.cpp" line="127"/>
        <source>Select a cell: the change of the predicted response per ROI against the clean image</source>
        <translation>选择一个单元格：相对干净图像，各 ROI 预测响应的变化</translation>
    </message>
    <message>
        <location filename="../widgets/src/CorruptionExplorer.cpp" line="169"/>
        <source>baseline: %1
BMFL: %2</source>
        <translation>基线：%1
BMFL：%2</translation>
    </message>
    <message>
        <location filename="../widgets/src/CorruptionExplorer.cpp" line="179"/>
        <source>baseline</source>
        <translation>基线</translation>
    </message>
    <message>
        <location filename="../widgets/src/CorruptionExplorer.cpp" line="181"/>
        <source>BMFL</source>
        <translation>BMFL</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/src/CorruptionExplorer.cpp" line="205"/>
        <source>%1: cancelled after %n cell(s)</source>
        <translation>
            <numerusform>%1：已在 %n 个单元格后取消</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/src/CorruptionExplorer.cpp" line="260"/>
        <source>%1, severity %2: change of the predicted response per ROI against the clean image</source>
        <translation>%1，强度 %2：相对干净图像，各 ROI 预测响应的变化</translation>
    </message>
</context>
<context>
    <name>bmfl::CortexView</name>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="432"/>
        <source>%1 (no values to show)</source>
        <translation>%1（无可显示的数值）</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="436"/>
        <source>%1 (constant %2)</source>
        <translation>%1（常数 %2）</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="469"/>
        <source>lateral</source>
        <translation>外侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="471"/>
        <source>medial</source>
        <translation>内侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="473"/>
        <source>dorsal</source>
        <translation>背侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="475"/>
        <source>ventral</source>
        <translation>腹侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="477"/>
        <source>anterior</source>
        <translation>前侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="479"/>
        <source>posterior</source>
        <translation>后侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="513"/>
        <source>Left hemisphere</source>
        <translation>左半球</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="513"/>
        <source>Right hemisphere</source>
        <translation>右半球</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="515"/>
        <source>flat map</source>
        <translation>平面图</translation>
    </message>
</context>
<context>
    <name>bmfl::DatasetBrowser</name>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="354"/>
        <source>Baseline: any</source>
        <translation>基线：全部</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="355"/>
        <source>Baseline right</source>
        <translation>基线正确</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="356"/>
        <source>Baseline wrong</source>
        <translation>基线错误</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="357"/>
        <source>BMFL: any</source>
        <translation>BMFL：全部</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="358"/>
        <source>BMFL right</source>
        <translation>BMFL 正确</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="359"/>
        <source>BMFL wrong</source>
        <translation>BMFL 错误</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="360"/>
        <source>Heads disagree</source>
        <translation>两个分类头不一致</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="363"/>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="440"/>
        <source>All classes</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="467"/>
        <source>Evaluate the dataset to filter by verdicts</source>
        <translation>评估该数据集后才能按判定结果筛选</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="530"/>
        <source>No dataset</source>
        <translation>无数据集</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="548"/>
        <source>Not evaluated yet: evaluate the dataset to filter by verdicts</source>
        <translation>尚未评估：评估该数据集后才能按判定结果筛选</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="549"/>
        <source>%1 of %2 evaluated images · %3 classes</source>
        <translation>%1 / %2 张已评估图像 · %3 个类别</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="555"/>
        <source>%1 of %2 images · %3 classes</source>
        <translation>%1 / %2 张图像 · %3 个类别</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="598"/>
        <source>Pin as A (compare with the next image)</source>
        <translation>固定为 A（与下一张图像比较）</translation>
    </message>
    <message>
        <location filename="../widgets/src/DatasetBrowser.cpp" line="537"/>
        <source>%1 images · %2 classes</source>
        <translation>%1 张图像 · %2 个类别</translation>
    </message>
</context>
<context>
    <name>bmfl::FigureExportDialog</name>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="58"/>
        <source>Export Figure</source>
        <translation>导出图</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="62"/>
        <source>Current cortex view</source>
        <translation>当前皮层视图</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="64"/>
        <source>Composite figure (cortex 2 × 2, image attention, top-k)</source>
        <translation>组合图（皮层 2 × 2、图像注意力、前 k 类）</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="66"/>
        <source>Accuracy chart (baseline vs BMFL)</source>
        <translation>准确率图（基线对比 BMFL）</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="68"/>
        <source>Figure:</source>
        <translation>图：</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="73"/>
        <source>figure.png, .tif, .svg or .pdf</source>
        <translation>figure.png、.tif、.svg 或 .pdf</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="74"/>
        <source>Browse...</source>
        <translation>浏览...</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="77"/>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="93"/>
        <source>px</source>
        <translation>像素</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="94"/>
        <source>mm</source>
        <translation>毫米</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="99"/>
        <source>Size:</source>
        <translation>尺寸：</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="104"/>
        <source>Resolution (DPI):</source>
        <translation>分辨率（DPI）：</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="107"/>
        <source>Result:</source>
        <translation>结果：</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="109"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="163"/>
        <source>Export figure</source>
        <translation>导出图</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="165"/>
        <source>Figures (*.png *.tif *.tiff *.svg *.pdf)</source>
        <translation>图 (*.png *.tif *.tiff *.svg *.pdf)</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="208"/>
        <source>%1 × %2 px · %3 × %4 mm at %5 DPI</source>
        <translation>%1 × %2 像素 · %3 × %4 毫米，%5 DPI</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="214"/>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <location filename="../app/workbench/FigureExportDialog.cpp" line="215"/>
        <source>%1 · name a .png, .tif, .svg or .pdf file</source>
        <translation>%1 · 请指定 .png、.tif、.svg 或 .pdf 文件</translation>
    </message>
</context>
<context>
    <name>bmfl::ImageAttentionView</name>
    <message>
        <location filename="../widgets/src/AttentionViews.cpp" line="138"/>
        <source>Brain [CLS] → image patches</source>
        <translation>脑 [CLS] → 图像块</translation>
    </message>
    <message>
        <location filename="../widgets/src/AttentionViews.cpp" line="144"/>
        <source>No image</source>
        <translation>无图像</translation>
    </message>
</context>
<context>
    <name>bmfl::MainWindow</name>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="113"/>
        <location filename="../app/workbench/MainWindow.cpp" line="356"/>
        <source>BMFL Workbench</source>
        <translation>BMFL 工作台</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="357"/>
        <source>Datasets</source>
        <translation>数据集</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="358"/>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="362"/>
        <source>Evaluate all</source>
        <translation>全部评估</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="363"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="364"/>
        <source>Copy table</source>
        <translation>复制表格</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="359"/>
        <source>Out-of-distribution accuracy</source>
        <translation>分布外准确率</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="762"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="764"/>
        <source>Open &amp;Model Bundle...</source>
        <translation>打开模型包(&amp;M)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="767"/>
        <source>Open &amp;Image...</source>
        <translation>打开图像(&amp;I)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="777"/>
        <source>Open &amp;Template Surface Folder...</source>
        <translation>打开模板皮层文件夹(&amp;T)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="779"/>
        <source>Use &amp;Bundled fsaverage5</source>
        <translation>使用内置 fsaverage5(&amp;B)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="789"/>
        <source>&amp;Export View as PNG...</source>
        <translation>导出视图为 PNG(&amp;E)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="797"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="801"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="822"/>
        <source>&amp;Reset View</source>
        <translation>重置视图(&amp;R)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="826"/>
        <source>&amp;Surface</source>
        <translation>皮层表面(&amp;S)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="896"/>
        <source>&amp;Data</source>
        <translation>数据(&amp;D)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="851"/>
        <source>Cortex &amp;Overlay</source>
        <translation>皮层叠加(&amp;O)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="89"/>
        <source>inflated</source>
        <translation>膨胀</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="91"/>
        <source>pial</source>
        <translation>软脑膜</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="93"/>
        <source>white</source>
        <translation>白质</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="95"/>
        <source>sphere</source>
        <translation>球面</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="97"/>
        <source>flat</source>
        <translation>平面</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="314"/>
        <source>The colour range needs a minimum below its maximum.</source>
        <translation>颜色范围的最小值须小于最大值。</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="365"/>
        <source>Display</source>
        <translation>显示</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="366"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="367"/>
        <source>Diverging (blue-white-red)</source>
        <translation>发散（蓝-白-红）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="368"/>
        <source>Sequential (yellow-red)</source>
        <translation>顺序（黄-红）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="369"/>
        <source>Colormap</source>
        <translation>色图</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="370"/>
        <source>Fixed colour range (else automatic per image)</source>
        <translation>固定颜色范围（否则按每张图像自动）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="371"/>
        <source>Minimum</source>
        <translation>最小值</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="372"/>
        <source>Maximum</source>
        <translation>最大值</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="373"/>
        <source>Symmetric about 0</source>
        <translation>关于 0 对称</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="374"/>
        <source>Threshold |value|</source>
        <translation>阈值 |数值|</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="375"/>
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="633"/>
        <source>%1: the session&apos;s image %2 is beyond its %3 images</source>
        <translation>%1：会话中的第 %2 张图像超出了其 %3 张图像的范围</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="673"/>
        <source>Save session</source>
        <translation>保存会话</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="675"/>
        <location filename="../app/workbench/MainWindow.cpp" line="693"/>
        <source>Workbench sessions (*.json)</source>
        <translation>工作台会话 (*.json)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="693"/>
        <source>Open session</source>
        <translation>打开会话</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="771"/>
        <source>Open &amp;Session...</source>
        <translation>打开会话(&amp;S)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="773"/>
        <source>Sa&amp;ve Session...</source>
        <translation>保存会话(&amp;V)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="792"/>
        <source>Export &amp;Figure...</source>
        <translation>导出图(&amp;F)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="794"/>
        <source>Export &amp;Accuracy Table...</source>
        <translation>导出准确率表(&amp;A)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="854"/>
        <source>Predicted fMRI</source>
        <translation>预测 fMRI</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="855"/>
        <source>Brain-Token Attention</source>
        <translation>脑令牌注意力</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="856"/>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="273"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="857"/>
        <source>Difference B − A (predicted fMRI)</source>
        <translation>差异 B − A（预测 fMRI）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="882"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="898"/>
        <source>&amp;Add Dataset...</source>
        <translation>添加数据集(&amp;A)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="902"/>
        <source>&amp;Evaluate All Datasets</source>
        <translation>评估全部数据集(&amp;E)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="906"/>
        <source>&amp;Cancel Evaluation</source>
        <translation>取消评估(&amp;C)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="911"/>
        <source>&amp;Pin Current Image as A</source>
        <translation>将当前图像固定为 A(&amp;P)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="914"/>
        <source>Explore C&amp;orruptions of the Current Image</source>
        <translation>浏览当前图像的损坏(&amp;O)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="919"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="921"/>
        <source>&amp;About BMFL Workbench</source>
        <translation>关于 BMFL 工作台(&amp;A)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="925"/>
        <source>About &amp;Qt</source>
        <translation>关于 &amp;Qt</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1008"/>
        <source>Pin an image as A and analyse another (B) to see B − A</source>
        <translation>将一张图像固定为 A 并分析另一张（B），即可查看 B − A</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1021"/>
        <source>predicted response, %1</source>
        <translation>预测响应，%1</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1045"/>
        <source>image [CLS] → brain token attention</source>
        <translation>图像 [CLS] → 脑令牌注意力</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1080"/>
        <source>Still loading the previous surface...</source>
        <translation>仍在加载上一个皮层表面...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1084"/>
        <source>Loading %1 surface...</source>
        <translation>正在加载 %1 表面...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1102"/>
        <source>%1 has no flat map: showing fsaverage5&apos;s flat map, onto which fsaverage&apos;s first vertices are nested</source>
        <translation>%1 没有平面图：显示 fsaverage5 的平面图（fsaverage 的前若干顶点与之嵌套对应）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1134"/>
        <source>Cannot load surface</source>
        <translation>无法加载皮层表面</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1148"/>
        <source>Template surface folder (e.g. fsaverage)</source>
        <translation>模板皮层文件夹（如 fsaverage）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1158"/>
        <source>Model bundle folder</source>
        <translation>模型包文件夹</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1168"/>
        <source>Open image</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1168"/>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1180"/>
        <source>Add dataset</source>
        <translation>添加数据集</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1181"/>
        <source>Dataset (a folder, or e.g. fashion-mnist:test, imagenet-v2:/data/v2):</source>
        <translation>数据集（文件夹，或如 fashion-mnist:test、imagenet-v2:/data/v2）：</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1223"/>
        <location filename="../app/workbench/MainWindow.cpp" line="1233"/>
        <source>%1: cannot write: %2</source>
        <translation>%1：无法写入：%2</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1229"/>
        <source>%1: cannot encode PNG: %2</source>
        <translation>%1：无法编码 PNG：%2</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1241"/>
        <source>Export view</source>
        <translation>导出视图</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1241"/>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1253"/>
        <location filename="../app/workbench/MainWindowExport.cpp" line="198"/>
        <location filename="../app/workbench/MainWindowExport.cpp" line="217"/>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="686"/>
        <location filename="../app/workbench/MainWindow.cpp" line="1256"/>
        <location filename="../app/workbench/MainWindowExport.cpp" line="201"/>
        <location filename="../app/workbench/MainWindowExport.cpp" line="220"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1263"/>
        <source>%1 %2 · left %3 / right %4 vertices · %5 view</source>
        <translation>%1 %2 · 左 %3 / 右 %4 个顶点 · %5视图</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1272"/>
        <source>No surface loaded</source>
        <translation>未加载皮层表面</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1274"/>
        <source>Model: %1</source>
        <translation>模型：%1</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1275"/>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1278"/>
        <source>LibTorch %1 · %2 · %3 threads · %4</source>
        <translation>LibTorch %1 · %2 · %3 线程 · %4</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1280"/>
        <source>CUDA</source>
        <translation>CUDA</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1280"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1282"/>
        <source>OpenBLAS</source>
        <translation>OpenBLAS</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1282"/>
        <source>reference BLAS (slow)</source>
        <translation>参考 BLAS（慢）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1289"/>
        <source>About BMFL Workbench</source>
        <translation>关于 BMFL 工作台</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1290"/>
        <source>&lt;h3&gt;BMFL Workbench %1&lt;/h3&gt;&lt;p&gt;Brain-machine fusion learning (NeuralOOD, Zhao et al. 2024): predicted fMRI on the cortical surface, fusion attention, and baseline versus BMFL accuracy out of distribution.&lt;/p&gt;&lt;p&gt;fsaverage5 is part of FreeSurfer (Fischl 2012), distributed under the FreeSurfer Software License.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;BMFL 工作台 %1&lt;/h3&gt;&lt;p&gt;脑机融合学习（NeuralOOD，Zhao 等，2024）：皮层表面上的预测 fMRI、融合注意力，以及基线与 BMFL 在分布外数据上的准确率比较。&lt;/p&gt;&lt;p&gt;fsaverage5 属于 FreeSurfer（Fischl 2012），依据 FreeSurfer 软件许可分发。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="748"/>
        <location filename="../app/workbench/Startup.cpp" line="57"/>
        <source>no translation for &apos;%1&apos;; showing English</source>
        <translation>没有“%1”的翻译；显示英文</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="1130"/>
        <source>%1; showing the bundled fsaverage5</source>
        <translation>%1；显示内置的 fsaverage5</translation>
    </message>
    <message>
        <location filename="../app/workbench/Startup.cpp" line="112"/>
        <source>No demo model yet: build it with `bmfl train-demo` (see README)</source>
        <translation>尚无演示模型：请用 `bmfl train-demo` 构建（见 README）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowCompare.cpp" line="134"/>
        <source>Compare A/B</source>
        <translation>A/B 比较</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowCompare.cpp" line="135"/>
        <source>Corruption explorer</source>
        <translation>损坏浏览器</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowCompare.cpp" line="174"/>
        <source>%1: only local files and folders can be dropped</source>
        <translation>%1：只能拖入本地文件和文件夹</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowCompare.cpp" line="181"/>
        <source>%1: no such file or folder</source>
        <translation>%1：没有这个文件或文件夹</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowCompare.cpp" line="206"/>
        <source>%1: not an image (PNG, JPEG, BMP, TIFF, WebP), a dataset folder or a model bundle</source>
        <translation>%1：既不是图像（PNG、JPEG、BMP、TIFF、WebP），也不是数据集文件夹或模型包</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowCompare.cpp" line="246"/>
        <source>%1: no images and no class folders in it</source>
        <translation>%1：其中没有图像，也没有类别文件夹</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowCompare.cpp" line="259"/>
        <source>%1: one model at a time; opening %2</source>
        <translation>%1：一次只能打开一个模型；正在打开 %2</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/workbench/MainWindowCompare.cpp" line="265"/>
        <source>dropped images (%n)</source>
        <translation>
            <numerusform>拖入的图像（%n）</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowCompare.cpp" line="297"/>
        <source>%1: evaluate it first; its images&apos; verdicts are not known yet</source>
        <translation>%1：请先评估；其图像的判定结果尚未知</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowCompare.cpp" line="307"/>
        <source>Analyse an image first, then pin it as A</source>
        <translation>请先分析一张图像，再将其固定为 A</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowCompare.cpp" line="383"/>
        <source>predicted response B − A</source>
        <translation>预测响应 B − A</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowCompare.cpp" line="392"/>
        <source>Analyse an image first, then explore its corruptions</source>
        <translation>请先分析一张图像，再浏览其损坏</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="88"/>
        <source>no predicted response over the evaluation images</source>
        <translation>评估图像上没有预测响应</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="159"/>
        <source>Colour range fixed at ±%1: the 99th percentile of |predicted response| over %2 evaluation images</source>
        <translation>颜色范围固定为 ±%1：%2 张评估图像上 |预测响应| 的第 99 百分位数</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="166"/>
        <source>Colour range from evaluation images: %1</source>
        <translation>由评估图像确定颜色范围：%1</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="243"/>
        <source>ROI &amp;Borders</source>
        <translation>ROI 边界(&amp;B)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="280"/>
        <source>%1 (model&apos;s label set)</source>
        <translation>%1（模型的标签集）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="332"/>
        <source>ROI borders %1: %2</source>
        <translation>ROI 边界 %1：%2</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="384"/>
        <source>%1, vertex %2 of %3</source>
        <translation>%1，%3 的顶点 %2</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="385"/>
        <source>Left hemisphere</source>
        <translation>左半球</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="385"/>
        <source>Right hemisphere</source>
        <translation>右半球</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="388"/>
        <source>Position: %1, %2, %3 mm (%4)</source>
        <translation>位置：%1, %2, %3 毫米（%4）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="398"/>
        <source>Value: outside the model&apos;s vertices</source>
        <translation>数值：不在模型的顶点内</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="403"/>
        <source>Value: %1 (%2)</source>
        <translation>数值：%1（%2）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="404"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="442"/>
        <source>Colour range from evaluation images: open a model and a dataset first</source>
        <translation>由评估图像确定颜色范围：请先打开模型和数据集</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="450"/>
        <source>Running the model over up to %1 evaluation images...</source>
        <translation>正在对最多 %1 张评估图像运行模型……</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="458"/>
        <source>ROI Responses</source>
        <translation>ROI 响应</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="459"/>
        <source>Vertex</source>
        <translation>顶点</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="462"/>
        <source>Click a vertex of the cortex</source>
        <translation>点击皮层上的一个顶点</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="464"/>
        <source>Fixed range from evaluation images</source>
        <translation>由评估图像确定固定范围</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowRoi.cpp" line="465"/>
        <source>Runs the model over up to 256 images of the open datasets and fixes a symmetric range at the 99th percentile of |value|</source>
        <translation>对已打开数据集中最多 256 张图像运行模型，并将对称范围固定在 |数值| 的第 99 百分位数</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowExport.cpp" line="112"/>
        <source>%1: no surface is shown to export</source>
        <translation>%1：没有显示可导出的皮层表面</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowExport.cpp" line="161"/>
        <location filename="../app/workbench/MainWindowExport.cpp" line="178"/>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowExport.cpp" line="207"/>
        <source>Export accuracy table</source>
        <translation>导出准确率表</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindowExport.cpp" line="209"/>
        <source>CSV or LaTeX (*.csv *.tex)</source>
        <translation>CSV 或 LaTeX (*.csv *.tex)</translation>
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
    <name>bmfl::RoiPanel</name>
    <message>
        <location filename="../widgets/src/RoiPanel.cpp" line="56"/>
        <source>left</source>
        <translation>左</translation>
    </message>
    <message>
        <location filename="../widgets/src/RoiPanel.cpp" line="56"/>
        <source>right</source>
        <translation>右</translation>
    </message>
    <message>
        <location filename="../widgets/src/RoiPanel.cpp" line="284"/>
        <source>ROI</source>
        <translation>ROI</translation>
    </message>
    <message>
        <location filename="../widgets/src/RoiPanel.cpp" line="284"/>
        <source>Hemisphere</source>
        <translation>半球</translation>
    </message>
    <message>
        <location filename="../widgets/src/RoiPanel.cpp" line="284"/>
        <source>Vertices</source>
        <translation>顶点数</translation>
    </message>
    <message>
        <location filename="../widgets/src/RoiPanel.cpp" line="284"/>
        <source>Mean</source>
        <translation>均值</translation>
    </message>
    <message>
        <location filename="../widgets/src/RoiPanel.cpp" line="284"/>
        <source>SD</source>
        <translation>标准差</translation>
    </message>
    <message>
        <location filename="../widgets/src/RoiPanel.cpp" line="287"/>
        <source>No ROI labels: choose View &gt; ROI Borders.</source>
        <translation>没有 ROI 标签：请选择 视图 &gt; ROI 边界。</translation>
    </message>
    <message>
        <location filename="../widgets/src/RoiPanel.cpp" line="291"/>
        <source>%1: the areas (no predicted response yet)</source>
        <translation>%1：各脑区（尚无预测响应）</translation>
    </message>
    <message>
        <location filename="../widgets/src/RoiPanel.cpp" line="296"/>
        <source>%1: predicted response per ROI, mean and SD over its vertices</source>
        <translation>%1：每个 ROI 的预测响应（其顶点上的均值和标准差）</translation>
    </message>
</context>
<context>
    <name>bmfl::WorkbenchController</name>
    <message>
        <location filename="../app/workbench/WorkbenchController.cpp" line="158"/>
        <source>no model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../app/workbench/WorkbenchController.cpp" line="161"/>
        <source>%1 classes · %2 (%3 vertices) · %4</source>
        <translation>%1 个类别 · %2（%3 个顶点）· %4</translation>
    </message>
    <message>
        <location filename="../app/workbench/WorkbenchController.cpp" line="171"/>
        <source>Opening model %1...</source>
        <translation>正在打开模型 %1...</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/workbench/WorkbenchController.cpp" line="208"/>
        <source>Opening %n dataset(s)...</source>
        <translation>
            <numerusform>正在打开 %n 个数据集...</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/workbench/WorkbenchController.cpp" line="301"/>
        <source>%1: open a model first</source>
        <translation>%1：请先打开模型</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/workbench/WorkbenchController.cpp" line="324"/>
        <source>Evaluating %n dataset(s)...</source>
        <translation>
            <numerusform>正在评估 %n 个数据集...</numerusform>
        </translation>
    </message>
</context>
</TS>
